/** The request schemas accept exactly what the handlers' readers accept (moopanel-api.md §3.5). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import fc from 'fast-check'
import { idValue } from './async/id-value.ts'
import { ID_TEXT, ID_VALUE } from './schemas.ts'

const ajv = new Ajv2020({ strict: false })
const isId = ajv.compile(ID_VALUE)
const isIdText = ajv.compile(ID_TEXT)

describe('id value schema', () => {
  it('agrees with idValue on the edges', () => {
    for (const v of [0, 1, 2147483647, 2147483648, -1, 1.5, 1e400, '0', '1', '01', '0000000001', '00000000001', '2147483647', '2147483648',
      '9999999999', '02147483647', ' 1', '1 ', '', '+1', '1e3', '１', null, true, [], {}, '214748364٧']) {
      assert.equal(isId(v), idValue(v) !== null, JSON.stringify(v))
    }
  })

  it('agrees with idValue on any JSON value and any digit string', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.stringMatching(/^\d{0,12}$/), fc.integer()), (v) => isId(v) === (idValue(v) !== null)), { numRuns: 3000 })
    fc.assert(fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{0,12}$/)), (v) => isIdText(v) === (idValue(v) !== null)), { numRuns: 3000 })
  })
})
