import ipaddr from 'ipaddr.js'

/** An address as numbers: 4 octets or 8 16-bit groups. */
type Address = { v6: false; parts: number[] } | { v6: true; parts: number[] }

/**
 * Whether `address` matches a Moodle address list (`iprestriction` of tokens and service users;
 * Moodle's `address_in_subnet()`, items-api.md §5.4): comma-separated entries, blanks around them
 * ignored, empty and unparseable entries skipped. Each entry is a full address (`192.0.2.10`,
 * `2001:db8::1`), a CIDR block (`192.0.2.0/24`), a range in the last group (`192.0.2.10-40`,
 * `2001:db8::a-ff`) or an incomplete address matched by whole groups (`192.0.2`, `192.0.2.`,
 * `2001:db8`). IPv4-mapped IPv6 client addresses are compared as IPv4; `0.0.0.0` never matches.
 */
export function addressMatchesList(address: string, list: string): boolean {
  const addr = parseClientAddress(address)
  if (!addr) return false
  if (!addr.v6 && addr.parts.every((p) => p === 0)) return false
  return list.split(',').some((entry) => entryMatches(addr, entry.trim()))
}

/** A client address in canonical text (IPv4-mapped IPv6 folded to IPv4), or null when unparseable. */
export function canonicalAddress(address: string): string | null {
  const addr = parseClientAddress(address)
  if (!addr) return null
  return addr.v6 ? addr.parts.map((g) => g.toString(16)).join(':') : addr.parts.join('.')
}

function parseClientAddress(text: string): Address | null {
  const s = text.trim()
  if (!s.includes(':')) {
    const v4 = parseIpv4(s)
    return v4 ? { v6: false, parts: v4 } : null
  }
  const v6 = parseIpv6(s)
  if (!v6) return null
  const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff
  return mapped ? { v6: false, parts: [v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff] } : { v6: true, parts: v6 }
}

/** Four decimal octets, as Moodle's cleanremoteaddr() accepts them (leading zeros are decimal). */
function parseIpv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return null
  const parts = m.slice(1).map(Number)
  return parts.every((p) => p <= 255) ? parts : null
}

function parseIpv6(s: string): number[] | null {
  if (s.includes('%') || !ipaddr.IPv6.isValid(s)) return null
  return ipaddr.IPv6.parse(s).parts.slice()
}

function entryMatches(addr: Address, entry: string): boolean {
  if (entry === '') return false
  if (entry.includes('/')) return cidrMatches(addr, entry)
  if (entry.includes('-')) return rangeMatches(addr, entry)
  return prefixMatches(addr, entry)
}

/** `192.0.2.0/24`, `2001:db8::/32`. */
function cidrMatches(addr: Address, entry: string): boolean {
  const slash = entry.indexOf('/')
  const ipText = entry.slice(0, slash).trim()
  const maskText = entry.slice(slash + 1).trim()
  if (!/^\d{1,3}$/.test(maskText)) return false
  const mask = Number(maskText)
  const v6 = ipText.includes(':')
  const net = v6 ? parseIpv6(ipText) : parseIpv4(ipText)
  if (!net || v6 !== addr.v6 || mask > (v6 ? 128 : 32)) return false
  return samePrefix(addr.parts, net, mask, v6 ? 16 : 8)
}

/** `192.0.2.10-40`, `2001:db8::a-ff`: the first groups equal, the last one within the range. */
function rangeMatches(addr: Address, entry: string): boolean {
  const parts = entry.split('-')
  if (parts.length !== 2) return false
  const [startText, endText] = [parts[0]!.trim(), parts[1]!.trim()]
  const v6 = entry.includes(':')
  if (v6 !== addr.v6) return false
  const start = v6 ? parseIpv6(startText) : parseIpv4(startText)
  if (!start) return false
  let end: number
  if (v6) {
    if (!/^[0-9a-f]{1,4}$/i.test(endText)) return false
    end = parseInt(endText, 16)
  } else {
    if (!/^\d{1,3}$/.test(endText) || Number(endText) > 255) return false
    end = Number(endText)
  }
  const last = start.length - 1
  for (let i = 0; i < last; i++) if (addr.parts[i] !== start[i]) return false
  const value = addr.parts[last]!
  return value >= start[last]! && value <= end
}

/** A full address (equality) or an incomplete one matched by whole groups: `192.0.2`, `192.0.2.`, `2001:db8`. */
function prefixMatches(addr: Address, entry: string): boolean {
  const v6 = entry.includes(':')
  if (v6 !== addr.v6) return false
  const full = v6 ? parseIpv6(entry) : parseIpv4(entry)
  if (full) return full.every((p, i) => p === addr.parts[i])
  const groups = entry.split(v6 ? ':' : '.')
  if (groups[groups.length - 1] === '') groups.pop()
  const max = v6 ? 8 : 4
  if (groups.length === 0 || groups.length >= max) return false
  const valid = v6 ? /^[0-9a-f]{1,4}$/i : /^\d{1,3}$/
  const values: number[] = []
  for (const g of groups) {
    if (!valid.test(g)) return false
    const n = v6 ? parseInt(g, 16) : Number(g)
    if (!v6 && n > 255) return false
    values.push(n)
  }
  return values.every((n, i) => n === addr.parts[i])
}

function samePrefix(a: number[], b: number[], bits: number, groupBits: number): boolean {
  for (let i = 0; i < a.length && bits > 0; i++, bits -= groupBits) {
    const take = Math.min(bits, groupBits)
    const shift = groupBits - take
    if (a[i]! >> shift !== b[i]! >> shift) return false
  }
  return true
}
