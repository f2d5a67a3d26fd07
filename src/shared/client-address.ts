import ipaddr from 'ipaddr.js'

/** A parsed list of addresses and CIDR ranges (IPv4-mapped IPv6 compared as IPv4). */
export class AddressList {
  private readonly ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>

  constructor(entries: readonly string[]) {
    this.ranges = entries.map((entry) => {
      const text = entry.trim()
      if (text.includes('/')) {
        const [addr, bits] = ipaddr.parseCIDR(text)
        return [normalise(addr), addr.kind() === 'ipv6' && normalise(addr).kind() === 'ipv4' ? Math.max(0, bits - 96) : bits]
      }
      const addr = normalise(ipaddr.parse(text))
      return [addr, addr.kind() === 'ipv4' ? 32 : 128]
    })
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0
  }

  /** True when `address` (any textual form) lies in one of the ranges. */
  contains(address: string): boolean {
    const parsed = parseAddress(address)
    if (!parsed) return false
    return this.ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range as never, bits))
  }
}

/** Validates list entries; returns the bad ones. */
export function invalidAddresses(entries: readonly string[]): string[] {
  return entries.filter((e) => {
    try {
      new AddressList([e])
      return false
    } catch {
      return true
    }
  })
}

/**
 * The client address: the TCP peer, or, when the peer is a trusted proxy, the right-most
 * `X-Forwarded-For` address that is not itself a trusted proxy (moopanel-api.md §3.4, items-api.md §2.3).
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: AddressList): string {
  // Fast path: a plain IPv4 peer and no proxies to consider needs no parsing.
  if (trusted.isEmpty && !peer.includes(':')) return peer
  const peerText = canonical(peer)
  if (trusted.isEmpty || !trusted.contains(peerText)) return peerText
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')
  const hops = header.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonical(hops[i]!)
    if (!parseAddress(hop)) return peerText
    if (!trusted.contains(hop)) return hop
  }
  return peerText
}

function canonical(address: string): string {
  const parsed = parseAddress(address)
  return parsed ? parsed.toString() : address
}

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return normalise(ipaddr.parse(address.trim()))
  } catch {
    return null
  }
}

function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr
}
