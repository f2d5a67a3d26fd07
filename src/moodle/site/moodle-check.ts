/** One line of `doctor`'s table. */
export interface MoodleCheck {
  check: string
  /** `warn`: not needed by the read API (only by jobs). */
  status: 'ok' | 'warn' | 'fail'
  detail: string
  /** What to do about a `warn` or `fail`. */
  fix?: CheckFix
}

/** What to do about a failed or warning check of `doctor`. */
export interface CheckFix {
  /** The fix, in a sentence: the file and the permission it needs, the setting, the package, the user. */
  text: string
  /** Service options that change the outcome (config-file names, e.g. `db_pass`); the CLI adds their environment variables. */
  options?: string[]
}
