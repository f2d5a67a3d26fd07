import { readMiddagSwitches, SETTINGS_REFRESH_MS, type Moodle } from '../../moodle/index.ts'

const TRUE = new Set(['1', 'true', 'yes', 'on'])

/** The value of a MIDDAG switch as Moodle spells it (§2.2 step 2). */
export function switchValue(raw: string | undefined): boolean {
  return raw !== undefined && TRUE.has(raw.trim().toLowerCase())
}

/**
 * The two switches of §2.2: the configuration option when set, else the `local_middag` plugin
 * setting (re-read at most every `cacheS` seconds, and at least every second: issue #10), else false.
 */
export class ItemsSwitches {
  private cached: { at: number; enabled: boolean; openapiPublic: boolean } | null = null
  private pending: Promise<{ enabled: boolean; openapiPublic: boolean }> | null = null

  constructor(
    private readonly moodle: Moodle,
    private readonly options: { enabled?: boolean; openapiPublic?: boolean; cacheS: number },
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Current values; reads Moodle only when an option is unset and the cache is stale. */
  async read(): Promise<{ enabled: boolean; openapiPublic: boolean }> {
    const { enabled, openapiPublic } = this.options
    if (enabled !== undefined && (enabled === false || openapiPublic !== undefined)) return { enabled, openapiPublic: openapiPublic ?? false }
    const now = this.nowMs()
    if (this.cached && this.options.cacheS > 0 && now - this.cached.at < Math.min(this.options.cacheS * 1000, SETTINGS_REFRESH_MS)) return this.cached
    this.pending ??= readMiddagSwitches(this.moodle)
      .then((raw) => {
        const value = {
          enabled: enabled ?? switchValue(raw.enabled),
          openapiPublic: openapiPublic ?? switchValue(raw.openapiPublic),
        }
        this.cached = { at: this.nowMs(), ...value }
        return value
      })
      .finally(() => {
        this.pending = null
      })
    return this.pending
  }
}
