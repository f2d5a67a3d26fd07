/**
 * A PHP file (config.php, version.php) uses something outside the literal subset moodle-bridge
 * reads without PHP, or assigns a value of the wrong shape. The message starts with
 * `<file> line <n>:` and names the setting when known; it never contains a setting's value.
 */
export class PhpSubsetError extends Error {
  override readonly name = 'PhpSubsetError'
  constructor(
    /** The file as the caller named it (a path or just `config.php`). */
    readonly file: string,
    /** 1-based line of the offending token. */
    readonly line: number,
    /** The setting being assigned, e.g. `dbpass` or `dboptions['dbport']`; undefined between statements. */
    readonly setting: string | undefined,
    detail: string,
  ) {
    super(`${file} line ${line}: ${detail}`)
  }
}
