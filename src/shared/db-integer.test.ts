import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dbInt, dbIntOrNull } from './db-integer.ts'

describe('dbInt', () => {
  it('reads every driver’s spelling of an integer', () => {
    assert.equal(dbInt(42), 42)
    assert.equal(dbInt(42n), 42)
    assert.equal(dbInt('42'), 42)
    assert.equal(dbInt('-7'), -7)
    assert.equal(dbInt('9007199254740991'), Number.MAX_SAFE_INTEGER)
  })

  it('reads SQL NULL, a missing value and an empty string as 0', () => {
    assert.equal(dbInt(null), 0)
    assert.equal(dbInt(undefined), 0)
    assert.equal(dbInt(''), 0)
    assert.equal(dbInt('  '), 0)
  })
})

describe('dbIntOrNull', () => {
  it('keeps SQL NULL as null and converts the rest as dbInt', () => {
    assert.equal(dbIntOrNull(null), null)
    assert.equal(dbIntOrNull(undefined), null)
    assert.equal(dbIntOrNull('12'), 12)
    assert.equal(dbIntOrNull(12n), 12)
    assert.equal(dbIntOrNull(0), 0)
  })
})
