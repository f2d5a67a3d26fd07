import { createHash, timingSafeEqual } from 'node:crypto'
import { readStoreSettings, writeStoreSetting, type Store } from '../store/index.ts'

/** Store setting names owned by the management API. */
export const SETTING_FINGERPRINT = 'moopanel.key_fingerprint'
export const SETTING_EXPIRY = 'moopanel.key_expiry'
export const SETTING_ENABLED = 'moopanel.api_enabled'

/** SHA-256 of the key's raw bytes: the only form of the key that is ever stored. */
export function fingerprintOf(key: string | Buffer): Buffer {
  return createHash('sha256').update(key).digest()
}

const REFRESH_MS = 2000

/**
 * The API switch, the key fingerprint and its expiry. The plain key stays in memory (callbacks
 * must send it); the store holds only its fingerprint. Values written by other processes (the CLI)
 * are picked up within two seconds. The values are those of the store view's site (`Store.site`):
 * sites sharing one store each keep their own switch, fingerprint and expiry.
 */
export class KeyState {
  private fingerprint: Buffer | null = null
  private expiry: number | null = null
  private enabled = false
  private loadedAt = 0
  private loading: Promise<void> | undefined

  constructor(
    private readonly store: Store,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /**
   * Applies the configuration at start-up: a configured key replaces the stored fingerprint;
   * an explicit `api_enabled` (or a configured key, which enables the API) is written to the store.
   */
  async applyConfig(config: { apiKey?: string; apiEnabled?: boolean }): Promise<void> {
    if (config.apiKey) await writeStoreSetting(this.store, SETTING_FINGERPRINT, fingerprintOf(config.apiKey).toString('hex'))
    const enabled = config.apiEnabled ?? (config.apiKey ? true : undefined)
    if (enabled !== undefined) await writeStoreSetting(this.store, SETTING_ENABLED, enabled ? '1' : '0')
    await this.reload()
  }

  /** Re-reads the store when the cached values are older than two seconds (returns nothing when fresh). */
  refresh(): Promise<void> | undefined {
    if (this.nowMs() - this.loadedAt < REFRESH_MS) return undefined // fresh: no promise, no extra tick
    this.loading ??= this.reload().finally(() => (this.loading = undefined))
    return this.loading
  }

  private async reload(): Promise<void> {
    // One statement (it runs every two seconds per site in use; many sites share one store).
    const values = await readStoreSettings(this.store, [SETTING_FINGERPRINT, SETTING_EXPIRY, SETTING_ENABLED])
    const fingerprint = values.get(SETTING_FINGERPRINT) ?? null
    const expiry = values.get(SETTING_EXPIRY) ?? null
    const enabled = values.get(SETTING_ENABLED) ?? null
    this.fingerprint = fingerprint && /^[0-9a-f]{64}$/.test(fingerprint) ? Buffer.from(fingerprint, 'hex') : null
    this.expiry = parseExpiry(expiry, fingerprint)
    this.enabled = enabled === '1' && this.fingerprint !== null
    this.loadedAt = this.nowMs()
  }

  get apiEnabled(): boolean {
    return this.enabled
  }

  /** Constant-time comparison of the presented header's raw bytes with the fingerprint. */
  matches(presented: Buffer): boolean {
    if (!this.fingerprint) return false
    return timingSafeEqual(fingerprintOf(presented), this.fingerprint)
  }

  /** True when an expiry is recorded for the current key and has passed. */
  isExpired(): boolean {
    return this.expiry !== null && Math.floor(this.nowMs() / 1000) >= this.expiry
  }

  /** The recorded expiry of the current key (Unix seconds), or null when permanent. */
  get expiresAt(): number | null {
    return this.expiry
  }

  /** The first 8 hex digits of the fingerprint, for audit records. */
  get fingerprintPrefix(): string {
    return this.fingerprint ? this.fingerprint.toString('hex').slice(0, 8) : 'none'
  }

  /** Records (or clears, with null) the expiry of the current key. */
  async setExpiry(expiry: number | null): Promise<void> {
    const fingerprint = this.fingerprint?.toString('hex')
    const value = expiry === null || !fingerprint ? null : JSON.stringify({ fingerprint, expiry })
    await writeStoreSetting(this.store, SETTING_EXPIRY, value)
    this.expiry = value === null ? null : expiry
  }
}

/** Stores the fingerprint of a new key and enables the API (operator command `moopanel set-key`). */
export async function storeNewKey(store: Store, key: string, expiry: number | null): Promise<void> {
  await writeStoreSetting(store, SETTING_FINGERPRINT, fingerprintOf(key).toString('hex'))
  await writeStoreSetting(store, SETTING_ENABLED, '1')
  const keys = new KeyState(store)
  await keys.applyConfig({})
  await keys.setExpiry(expiry)
}

/** Flips the API switch (operator commands `moopanel enable|disable`). */
export async function setApiSwitch(store: Store, enabled: boolean): Promise<void> {
  await writeStoreSetting(store, SETTING_ENABLED, enabled ? '1' : '0')
}

function parseExpiry(value: string | null, fingerprint: string | null): number | null {
  if (!value || !fingerprint) return null
  try {
    const record = JSON.parse(value) as { fingerprint?: unknown; expiry?: unknown }
    return record.fingerprint === fingerprint && typeof record.expiry === 'number' ? record.expiry : null
  } catch {
    return null
  }
}
