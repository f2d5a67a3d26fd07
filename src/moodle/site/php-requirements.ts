/**
 * What each supported Moodle release needs from PHP: the lowest PHP version and the extensions
 * Moodle refuses to install or upgrade without. From Moodle's PHP version policy
 * (moodledev.io "PHP versions": 7.4 is the minimum of 4.1, 8.0 of 4.2, 8.1 of 4.4, 8.2 of 5.0) and
 * from the `ext-*` requirements of Moodle's composer.json (sodium became required with 4.2).
 */

/** Lowest PHP version per release branch (`$branch` of version.php). */
const PHP_MINIMUM: Readonly<Record<string, string>> = {
  '401': '7.4.0',
  '402': '8.0.0',
  '403': '8.0.0',
  '404': '8.1.0',
  '405': '8.1.0',
  '500': '8.2.0',
  '501': '8.2.0',
}

/** Extensions every release from 4.1 on requires (lower case, as compared). */
const REQUIRED_EXTENSIONS = [
  'ctype', 'curl', 'dom', 'fileinfo', 'gd', 'hash', 'iconv', 'intl', 'json', 'mbstring', 'openssl', 'pcre',
  'simplexml', 'spl', 'xml', 'xmlreader', 'zip', 'zlib',
] as const

/** The PHP extension a database driver (`$CFG->dbtype`) needs. */
const DRIVER_EXTENSION: Readonly<Record<string, string>> = { pgsql: 'pgsql', mysqli: 'mysqli', mariadb: 'mysqli', auroramysql: 'mysqli' }

/** Debian/Ubuntu packages that bring an extension to the PHP CLI (the others ship with php-cli itself). */
const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  curl: 'php-curl', mbstring: 'php-mbstring', dom: 'php-xml', simplexml: 'php-xml', xml: 'php-xml', xmlreader: 'php-xml',
  zip: 'php-zip', gd: 'php-gd', intl: 'php-intl', mysqli: 'php-mysql', pgsql: 'php-pgsql',
  ctype: 'php-common', fileinfo: 'php-common', iconv: 'php-common',
}

/** `4.5` for branch `405`. */
export function releaseName(branch: string): string {
  const n = Number(branch)
  return Number.isInteger(n) && n > 0 ? `${Math.floor(n / 100)}.${n % 100}` : branch
}

/** The lowest PHP version (`8.1.0`) of a release branch, or undefined for a branch not supported. */
export function phpMinimumOf(branch: string | undefined): string | undefined {
  return branch === undefined ? undefined : PHP_MINIMUM[branch]
}

/** The extensions a release branch needs with a database driver, sorted. */
export function requiredPhpExtensions(branch: string | undefined, dbtype: string | undefined): string[] {
  const out = new Set<string>(REQUIRED_EXTENSIONS)
  if (Number(branch) >= 402) out.add('sodium')
  const driver = dbtype === undefined ? undefined : DRIVER_EXTENSION[dbtype]
  if (driver) out.add(driver)
  return [...out].sort()
}

/** The Debian/Ubuntu packages that bring these extensions (`php-cli` for those built in), without repeats. */
export function debianPackagesOf(extensions: readonly string[]): string[] {
  return [...new Set(extensions.map((e) => DEBIAN_PACKAGE[e] ?? 'php-cli'))]
}

/** Whether PHP version `have` (e.g. `8.2.36`, `8.3.0-1ubuntu1`) is at least `need` (`8.1.0`). */
export function phpVersionAtLeast(have: string, need: string): boolean {
  const parts = (v: string) => (/^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v) ?? []).slice(1, 4).map((p) => Number(p ?? 0))
  const [a, b] = [parts(have), parts(need)]
  if (a.length === 0) return false
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  return true
}
