/**
 * The PHP session decoder (items-api.md §5.5): PHP's `php` session serialisation and the
 * `serialize()` grammar, with byte lengths, back-references, mangled property names, and the size
 * and depth limits. Samples are written as PHP itself writes them.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decodePhpSession,
  phpUnserialize,
  PhpUnserializeError,
  type PhpArray,
  type PhpData,
  type PhpObject,
} from '../src/moodle/index.ts'

const obj = (v: PhpData | undefined) => v as PhpObject
const arr = (v: PhpData | undefined) => v as PhpArray

describe('phpUnserialize', () => {
  it('decodes scalars', () => {
    assert.equal(phpUnserialize('N;'), null)
    assert.equal(phpUnserialize('b:1;'), true)
    assert.equal(phpUnserialize('b:0;'), false)
    assert.equal(phpUnserialize('i:-42;'), -42)
    assert.equal(phpUnserialize('i:+7;'), 7)
    assert.equal(phpUnserialize('i:9223372036854775807;'), 9223372036854775807n)
    assert.equal(phpUnserialize('d:0.5;'), 0.5)
    assert.equal(phpUnserialize('d:-1.0E+25;'), -1e25)
    assert.equal(phpUnserialize('d:INF;'), Infinity)
    assert.equal(phpUnserialize('d:-INF;'), -Infinity)
    assert.ok(Number.isNaN(phpUnserialize('d:NAN;')))
    assert.equal(phpUnserialize('s:0:"";'), '')
  })

  it('reads strings by byte length, quotes and semicolons included', () => {
    assert.equal(phpUnserialize('s:5:"a";b;";'), 'a";b;')
    assert.equal(phpUnserialize('s:6:"Adéla";'), 'Adéla') // é is two bytes
    assert.throws(() => phpUnserialize('s:5:"Adéla";'), PhpUnserializeError) // character count is not enough
    assert.equal(phpUnserialize('S:3:"a\\62c";'), 'abc')
  })

  it('decodes arrays with integer and string keys, numeric string keys becoming integers', () => {
    const a = arr(phpUnserialize('a:3:{i:0;s:1:"x";s:3:"key";i:5;s:2:"10";b:1;}'))
    assert.equal(a.kind, 'array')
    assert.deepEqual([...a.entries], [[0, 'x'], ['key', 5], [10, true]])
    assert.equal(arr(phpUnserialize('a:0:{}')).entries.size, 0)
  })

  it('decodes objects of any class without instantiating them and normalises mangled names', () => {
    const o = obj(phpUnserialize('O:8:"core\\url":3:{s:9:"\0*\0scheme";s:5:"https";s:14:"\0core\\url\0host";s:3:"lms";s:4:"port";i:443;}'))
    assert.equal(o.kind, 'object')
    assert.equal(o.className, 'core\\url')
    assert.deepEqual([...o.properties], [['scheme', 'https'], ['host', 'lms'], ['port', 443]])
    // A class name such as __PHP_Incomplete_Class or one with magic methods is still only data.
    const evil = obj(phpUnserialize('O:9:"Exception":1:{s:7:"message";s:2:"hi";}'))
    assert.equal(evil.className, 'Exception')
    assert.equal(evil.properties.get('message'), 'hi')
  })

  it('decodes enum cases and skips custom-serialised (C:) payloads by length', () => {
    assert.deepEqual(phpUnserialize('E:11:"Suit:Hearts";'), { kind: 'enum', className: 'Suit', caseName: 'Hearts' })
    const a = arr(phpUnserialize('a:2:{i:0;C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}i:1;s:2:"ok";}'))
    assert.deepEqual(a.entries.get(0), { kind: 'custom', className: 'ArrayObject' })
    assert.equal(a.entries.get(1), 'ok')
  })

  it('resolves r: and R: back-references in pre-order, keys not counted', () => {
    // slots: 1 = the array, 2 = "shared", 3 = r:2, 4 = the object
    const a = arr(phpUnserialize('a:3:{s:1:"a";s:6:"shared";s:1:"b";r:2;s:1:"c";O:8:"stdClass":1:{s:4:"self";r:4;}}'))
    assert.equal(a.entries.get('b'), 'shared')
    const c = obj(a.entries.get('c'))
    assert.equal(c.properties.get('self'), c) // a cycle, as PHP has it
    const b = arr(phpUnserialize('a:2:{i:0;i:7;i:1;R:2;}'))
    assert.equal(b.entries.get(1), 7)
    assert.throws(() => phpUnserialize('a:1:{i:0;r:5;}'), PhpUnserializeError)
    assert.throws(() => phpUnserialize('r:0;'), PhpUnserializeError)
  })

  it('refuses malformed input', () => {
    for (const bad of ['', 'x', 'i:;', 'i:1', 'b:2;', 's:3:"ab";', 'a:1:{i:0;}', 'a:1:{d:0.5;i:1;}', 'O:0:"":0:{}', 'N;N;', 'd:1e;', 'E:4:"Suit";']) {
      assert.throws(() => phpUnserialize(bad), PhpUnserializeError, JSON.stringify(bad))
    }
  })

  it('refuses input over 1 MiB and nesting deeper than 64', () => {
    const big = `s:${1024 * 1024}:"${'x'.repeat(1024 * 1024)}";`
    assert.throws(() => phpUnserialize(big), /1 MiB/)
    const nested = (n: number) => 'a:1:{i:0;'.repeat(n - 1) + 'N;' + '}'.repeat(n - 1)
    assert.equal(arr(phpUnserialize(nested(64))).kind, 'array')
    assert.throws(() => phpUnserialize(nested(65)), /nested too deeply/)
  })
})

describe('decodePhpSession', () => {
  it('decodes a Moodle session (USER and SESSION entries sharing back-references)', () => {
    const data =
      'USER|O:8:"stdClass":6:{s:2:"id";s:1:"5";s:8:"username";s:6:"Adéla";s:7:"sesskey";s:10:"Ab3dE6gH9j";' +
      's:10:"preference";a:1:{s:11:"_lastloaded";i:1795304528;}s:7:"profile";a:0:{}s:9:"sessionip";s:9:"127.0.0.1";}' +
      'SESSION|O:8:"stdClass":3:{s:8:"cachedir";d:1.5;s:4:"lang";r:3;s:3:"url";O:8:"core\\url":1:{s:9:"\0*\0scheme";s:5:"https";}}'
    const entries = decodePhpSession(Buffer.from(data))
    assert.deepEqual([...entries.keys()], ['USER', 'SESSION'])
    const user = obj(entries.get('USER'))
    assert.equal(user.properties.get('id'), '5')
    assert.equal(user.properties.get('username'), 'Adéla')
    assert.equal(user.properties.get('sesskey'), 'Ab3dE6gH9j')
    const session = obj(entries.get('SESSION'))
    // r:3: slot 1 is USER, 2 the value of id, 3 the value of username (keys are not counted).
    assert.equal(session.properties.get('lang'), 'Adéla')
    assert.equal(obj(session.properties.get('url')).properties.get('scheme'), 'https')
  })

  it('returns no entries for empty data and stops at bytes without a delimiter', () => {
    assert.equal(decodePhpSession(Buffer.alloc(0)).size, 0)
    assert.deepEqual([...decodePhpSession(Buffer.from('a|i:1;junk')).keys()], ['a'])
  })

  it('refuses a malformed entry', () => {
    assert.throws(() => decodePhpSession(Buffer.from('USER|O:8:"stdClass":1:{s:2:"id";}')), PhpUnserializeError)
  })
})
