import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isPhpList, phpArrayKey, phpIsTruthy, phpToJson, phpToString, type PhpArray } from './php-value.ts'

describe('phpToString', () => {
  it('converts scalars as PHP does', () => {
    assert.equal(phpToString(true), '1')
    assert.equal(phpToString(false), '')
    assert.equal(phpToString(null), '')
    assert.equal(phpToString('abc'), 'abc')
    assert.equal(phpToString(42), '42')
    assert.equal(phpToString(-7), '-7')
    assert.equal(phpToString(9223372036854775807n), '9223372036854775807')
  })

  it('prints floats with 14 significant digits like PHP', () => {
    assert.equal(phpToString(1.5), '1.5')
    assert.equal(phpToString(0.1 + 0.2), '0.3')
    assert.equal(phpToString(2024100706.0), '2024100706')
    assert.equal(phpToString(1e25), '1.0E+25')
    assert.equal(phpToString(1.5e25), '1.5E+25')
    assert.equal(phpToString(0.00001), '1.0E-5')
    assert.equal(phpToString(0.0001), '0.0001')
    assert.equal(phpToString(-0), '-0')
    assert.equal(phpToString(Infinity), 'INF')
    assert.equal(phpToString(-Infinity), '-INF')
    assert.equal(phpToString(NaN), 'NAN')
  })

  it('turns arrays into "Array"', () => {
    assert.equal(phpToString(new Map()), 'Array')
  })
})

describe('phpIsTruthy', () => {
  it('follows PHP truthiness', () => {
    for (const falsy of [false, null, 0, '', '0', 0n, new Map()]) assert.equal(phpIsTruthy(falsy), false, String(falsy))
    for (const truthy of [true, 1, -1, 0.5, 'a', '00', ' ', 1n, new Map([[0, 0]]), NaN]) {
      assert.equal(phpIsTruthy(truthy), true, String(truthy))
    }
  })
})

describe('phpToJson', () => {
  it('turns lists into arrays and other arrays into objects', () => {
    const list: PhpArray = new Map([[0, 'a'], [1, 'b']])
    const map: PhpArray = new Map<string | number, string | PhpArray>([['x', 'y'], [3, list]])
    assert.deepEqual(phpToJson(list), ['a', 'b'])
    assert.deepEqual(phpToJson(map), { x: 'y', 3: ['a', 'b'] })
  })

  it('keeps bigints exact', () => {
    assert.equal(phpToJson(12n), 12)
    assert.equal(phpToJson(9007199254740993n), '9007199254740993')
    assert.equal(phpToJson(Infinity), 'INF')
  })
})

describe('isPhpList', () => {
  it('needs keys 0..n-1 in order', () => {
    assert.equal(isPhpList(new Map()), true)
    assert.equal(isPhpList(new Map([[0, 1], [1, 2]])), true)
    assert.equal(isPhpList(new Map([[1, 1], [0, 2]])), false)
    assert.equal(isPhpList(new Map([['0', 1]])), false)
  })
})

describe('phpArrayKey', () => {
  it('turns canonical integer strings into ints', () => {
    assert.equal(phpArrayKey('5'), 5)
    assert.equal(phpArrayKey('-3'), -3)
    assert.equal(phpArrayKey('0'), 0)
    assert.equal(phpArrayKey('05'), '05')
    assert.equal(phpArrayKey('+5'), '+5')
    assert.equal(phpArrayKey('-0'), '-0')
    assert.equal(phpArrayKey('5.0'), '5.0')
    assert.equal(phpArrayKey(' 5'), ' 5')
  })

  it('converts other scalars as PHP does', () => {
    assert.equal(phpArrayKey(1.9), 1)
    assert.equal(phpArrayKey(-1.9), -1)
    assert.equal(phpArrayKey(true), 1)
    assert.equal(phpArrayKey(false), 0)
    assert.equal(phpArrayKey(null), '')
    assert.equal(phpArrayKey(new Map()), undefined)
  })

  it('keeps integers beyond 2^53 as their decimal string', () => {
    assert.equal(phpArrayKey('9007199254740993'), '9007199254740993')
    assert.equal(phpArrayKey(9007199254740993n), '9007199254740993')
  })
})
