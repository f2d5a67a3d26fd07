/** Moodle's address-list syntax for token and service-user IP restrictions (items-api.md §5.4). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addressMatchesList } from '../src/moodle/index.ts'

const cases: Array<[list: string, address: string, expected: boolean]> = [
  // full addresses
  ['192.0.2.10', '192.0.2.10', true],
  ['192.0.2.10', '192.0.2.11', false],
  ['192.000.002.010', '192.0.2.10', true], // leading zeros are decimal, as in Moodle
  ['2001:db8::1', '2001:db8:0:0:0:0:0:1', true],
  ['2001:DB8::1', '2001:db8::1', true],
  ['2001:db8::1', '2001:db8::2', false],
  // CIDR
  ['192.0.2.0/24', '192.0.2.200', true],
  ['192.0.2.0/24', '192.0.3.1', false],
  ['10.0.0.0/8', '10.255.1.1', true],
  ['192.0.2.128/25', '192.0.2.127', false],
  ['0.0.0.0/0', '203.0.113.9', true],
  ['192.0.2.1/32', '192.0.2.1', true],
  ['192.0.2.0/33', '192.0.2.1', false], // nonsense mask: skipped
  ['2001:db8::/32', '2001:db8:ffff::1', true],
  ['2001:db8::/32', '2001:db9::1', false],
  ['2001:db8:8000::/33', '2001:db8:8001::1', true],
  ['2001:db8:8000::/33', '2001:db8:7fff::1', false],
  ['192.0.2.0/24', '2001:db8::1', false], // families never mix
  // last-group ranges
  ['192.0.2.10-40', '192.0.2.10', true],
  ['192.0.2.10-40', '192.0.2.40', true],
  ['192.0.2.10-40', '192.0.2.41', false],
  ['192.0.2.10-40', '192.0.3.20', false],
  ['2001:db8::a-ff', '2001:db8::b0', true],
  ['2001:db8::a-ff', '2001:db8::100', false],
  ['2001:db8::a-ff', '2001:db8:1::b0', false],
  ['192.0.2.10-40-50', '192.0.2.20', false], // unparseable: skipped
  // incomplete addresses
  ['192.0.2', '192.0.2.77', true],
  ['192.0.2.', '192.0.2.77', true],
  ['192.0.2', '192.0.20.1', false],
  ['10', '10.1.2.3', true],
  ['2001:db8', '2001:db8:1::1', true],
  ['2001:db8:', '2001:db8:1::1', true],
  ['2001:db8', '2001:db9::1', false],
  // lists: blanks, empty and unparseable entries
  [' 198.51.100.1 , , 192.0.2.0/24 ', '192.0.2.9', true],
  ['garbage, 999.1.1.1, 192.0.2.9', '192.0.2.9', true],
  ['garbage, 999.1.1.1', '192.0.2.9', false],
  ['', '192.0.2.9', false],
  // IPv4-mapped IPv6 clients compare as IPv4
  ['192.0.2.0/24', '::ffff:192.0.2.5', true],
  ['192.0.2.5', '::ffff:c000:205', true],
  // unparseable or all-zero client addresses never match
  ['0.0.0.0/0', '0.0.0.0', false],
  ['0.0.0.0/0', 'not-an-ip', false],
  ['192.0.2.0/24', '192.0.2.1%eth0', false],
]

describe('addressMatchesList', () => {
  for (const [list, address, expected] of cases) {
    it(`${JSON.stringify(list)} ${expected ? 'matches' : 'does not match'} ${address}`, () => {
      assert.equal(addressMatchesList(address, list), expected)
    })
  }
})
