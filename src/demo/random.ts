/** A small seeded pseudo-random generator (mulberry32) with the helpers the demo generator needs. */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T
  /** An index in [0, length), small indexes more likely (the larger `skew`, the stronger). */
  indexSkewed(length: number, skew?: number): number
  /** One element of a non-empty array, earlier elements more likely (see `indexSkewed`). */
  pickSkewed<T>(items: readonly T[], skew?: number): T
  /** One element, each chosen with probability proportional to its weight. */
  pickWeighted<T>(items: readonly T[], weight: (item: T) => number): T
  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string
  /** `length` lower-case hexadecimal characters. */
  hex(length: number): string
}

export const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A deterministic generator: the same `seed` always yields the same sequence. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty array')
    return items[Math.floor(next() * items.length)] as T
  }
  // Inverse-power sampling: floor(n * u^(1 + skew)) favours the first indexes.
  const indexSkewed = (length: number, skew = 1): number =>
    Math.min(Math.floor(length * Math.pow(next(), 1 + skew)), length - 1)
  const string = (length: number, alphabet: string): string => {
    // Char codes joined once: concatenating char by char leaves rope strings for the GC.
    const codes = new Array<number>(length)
    for (let i = 0; i < length; i++) codes[i] = alphabet.charCodeAt(Math.floor(next() * alphabet.length))
    return String.fromCharCode(...codes)
  }
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick,
    indexSkewed,
    pickSkewed: (items, skew = 1) => {
      if (items.length === 0) throw new Error('pick from an empty array')
      return items[indexSkewed(items.length, skew)] as (typeof items)[number]
    },
    pickWeighted: (items, weight) => {
      const total = items.reduce((sum, item) => sum + weight(item), 0)
      let point = next() * total
      for (const item of items) {
        point -= weight(item)
        if (point < 0) return item
      }
      return pick(items)
    },
    string,
    hex: (length) => string(length, '0123456789abcdef'),
  }
}

/** A stable 32-bit seed for one part of the generator, so parts do not shift each other's output. */
export function deriveSeed(seed: number, label: string): number {
  let hash = (seed ^ 0x9e3779b9) >>> 0
  for (let i = 0; i < label.length; i++) {
    hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0
  }
  return hash
}
