/**
 * `bin/moodle-bridge doctor --php` (real subprocesses): Moodle is booted from the site's own
 * config.php with the configured PHP (`php_binary`) as the configured user (`php_run_as`), and the
 * PHP version, the extensions the release needs and the dataroot's writability are reported, each
 * problem with its fix. Without PHP on the machine, PHP is test/support/doctor-php/php, a stand-in
 * doing what PHP and Moodle's lib/setup.php do with the probe. With Debian's php-cli (or a PHP CLI
 * named by MB_TEST_REAL_PHP) the probe also runs in real PHP against a test-made lib/setup.php.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { requiredPhpExtensions } from '../src/moodle/index.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { asRoot, assertNoStack, doctor, lineOf, otherPhp, siteCopy, STAND_IN_PHP } from './support/doctor-run.ts'
import { testEnv } from './support/test-env.ts'

const noMysql = !testEnv().moodleDirMysql && 'MariaDB is not configured'
const asNobody = { MOODLE_BRIDGE_PHP_BINARY: STAND_IN_PHP, MOODLE_BRIDGE_PHP_RUN_AS: '65534:65534' }

describe('doctor --php (stand-in PHP)', { concurrency: 4 }, () => {
  it("boots Moodle on PostgreSQL: release, PHP version against 4.5's minimum, extensions, dataroot writable", async () => {
    const r = await doctor(['--moodle-dir', testEnv().moodleDirPg, '--php'], { MOODLE_BRIDGE_PHP_BINARY: STAND_IN_PHP })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(lineOf(r.stdout, 'PHP boots Moodle').line, /^ ok +PHP boots Moodle +4\.5\.6 \(Build: 20250811\) \(2024100706\) with PHP 8\.2\.29 as root$/)
    assert.match(lineOf(r.stdout, 'PHP version').line, / ok .*8\.2\.29 \(Moodle 4\.5 needs 8\.1\.0 or later\)$/)
    assert.match(lineOf(r.stdout, 'PHP extensions').line, / ok .*all 20 that Moodle 4\.5 needs are loaded$/)
    assert.match(lineOf(r.stdout, 'dataroot writable (PHP)').line, / ok .*moodledata-pg by root$/)
    assert.ok(!r.stdout.includes('fix:'), r.stdout)
  })

  it('boots Moodle on MariaDB (the driver extension is mysqli)', { skip: noMysql }, async () => {
    const r = await doctor(['--moodle-dir', testEnv().moodleDirMysql!, '--php'], { MOODLE_BRIDGE_PHP_BINARY: STAND_IN_PHP })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(lineOf(r.stdout, 'PHP boots Moodle').line, /^ ok .*\(2024100706\) with PHP 8\.2\.29/)
  })

  it('too old a PHP without some extensions: Moodle refuses it, and the version, the missing extensions and the packages are named', async () => {
    const php = await otherPhp('7.4.33', ['core', 'date', 'pcre', 'spl', 'standard', 'json', 'hash', 'ctype', 'iconv', 'dom', 'xml', 'simplexml', 'xmlreader', 'zlib', 'openssl', 'fileinfo', 'posix'])
    const r = await doctor(['--moodle-dir', testEnv().moodleDirPg, '--php'], { MOODLE_BRIDGE_PHP_BINARY: php })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const boot = lineOf(r.stdout, 'PHP boots Moodle')
    assert.match(boot.line, /^FAIL .*Moodle does not bootstrap: Moodle 4\.4 or later requires at least PHP 8\.1\.0 \(currently using version 7\.4\.33\)\.$/)
    assert.match(boot.fix, /^install PHP 8\.1 or later and point php_binary at its CLI .*\[option php_binary \/ MOODLE_BRIDGE_PHP_BINARY\]$/)
    const version = lineOf(r.stdout, 'PHP version')
    assert.match(version.line, /^FAIL .*7\.4\.33: Moodle 4\.5 needs PHP 8\.1\.0 or later$/)
    assert.equal(version.fix, 'install PHP 8.1 or later and point php_binary at its CLI [option php_binary / MOODLE_BRIDGE_PHP_BINARY]')
    const extensions = lineOf(r.stdout, 'PHP extensions')
    assert.match(extensions.line, /^FAIL .*missing: curl, gd, intl, mbstring, pgsql, sodium, zip$/)
    assert.equal(extensions.fix, "install them for the PHP CLI in php_binary (Debian/Ubuntu: apt-get install php-curl php-gd php-intl php-mbstring php-pgsql php-zip); sodium is part of Debian's PHP itself: enable it in php.ini, or use a PHP built with it [option php_binary / MOODLE_BRIDGE_PHP_BINARY]")
  })

  it("no database driver extension: Moodle's driver problem, in one line", async () => {
    const php = await otherPhp('8.3.6', ['core', 'standard', 'posix', 'mysqli'])
    const r = await doctor(['--moodle-dir', testEnv().moodleDirPg, '--php'], { MOODLE_BRIDGE_PHP_BINARY: php })
    assert.equal(r.code, 1)
    assert.match(lineOf(r.stdout, 'PHP boots Moodle').line, /FAIL .*Moodle does not bootstrap: Database driver problem detected.*PGSQL extension/)
    assert.match(lineOf(r.stdout, 'PHP extensions').line, /missing: .*pgsql/)
  })

  it('a wrong password in config.php: PHP cannot connect either, and the fix says PHP reads config.php only', { skip: noMysql }, async () => {
    const site = await siteCopy(testEnv().moodleDirMysql!, 'badpass', (c) => c.replace(/^\$CFG->dbpass\s*=.*$/m, "$CFG->dbpass    = 'not-the-password';"))
    const r = await doctor(['--moodle-dir', site.dir, '--php'], { MOODLE_BRIDGE_PHP_BINARY: STAND_IN_PHP })
    assert.equal(r.code, 1)
    const boot = lineOf(r.stdout, 'PHP boots Moodle')
    assert.match(boot.line, /FAIL .*Moodle does not bootstrap: Error: Database connection failed$/)
    assert.match(boot.fix, /PHP reads the database settings from .*config\.php only \(the service's db_\* options do not reach it\)/)
    assert.ok(!r.stdout.includes('not-the-password'))
    assertNoStack(r)
  })

  it("a dataroot PHP's user cannot write: Moodle stops, and the fix names the owner, chown and php_run_as", { skip: !asRoot && 'needs root to run PHP as another user' }, async () => {
    const site = await siteCopy(testEnv().moodleDirPg, 'datarootperm')
    await chmod(site.dataroot, 0o755)
    const r = await doctor(['--moodle-dir', site.dir, '--php'], asNobody)
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const boot = lineOf(r.stdout, 'PHP boots Moodle')
    assert.match(boot.line, /FAIL .*Moodle does not bootstrap: \$CFG->dataroot is not writable, admin has to fix directory permissions! Exiting\.$/)
    assert.equal(boot.fix, `Moodle must be able to write to ${site.dataroot} (now root:root, mode 0755): chown -R nobody ${site.dataroot}, or set php_run_as to the user that owns it (the web server's user) [option php_run_as / MOODLE_BRIDGE_PHP_RUN_AS]`)
    assert.match(lineOf(r.stdout, 'dataroot writable (PHP)').line, new RegExp(`FAIL .*${site.dataroot} is not writable by nobody$`))
  })

  it("a config.php PHP's user cannot read: PHP's fatal error in one line, and the fix", { skip: !asRoot && 'needs root to run PHP as another user' }, async () => {
    const site = await siteCopy(testEnv().moodleDirPg, 'phpunreadable')
    const config = join(site.dir, 'config.php')
    await chmod(config, 0o600)
    const r = await doctor(['--moodle-dir', site.dir, '--php'], asNobody)
    assert.equal(r.code, 1)
    const boot = lineOf(r.stdout, 'PHP boots Moodle')
    assert.match(boot.line, new RegExp(`Moodle does not bootstrap: Uncaught Error: Failed opening required '${config}' \\(include_path=.*\\) in \\S+probe\\.php:\\d+$`))
    assert.match(boot.fix, /^nobody cannot read .*config\.php \(owner root:root, mode 0600\): .*\[option php_run_as \/ MOODLE_BRIDGE_PHP_RUN_AS\]$/)
    assertNoStack(r)
  })

  it("a Moodle 5.1 site (public/ layout): the root's config.php boots it, and PHP 8.1 is below 5.1's minimum", async () => {
    const url = new URL(testEnv().pgUrl)
    const base = await mkdtemp(join(testEnv().tmpDir, 'doctor-51-'))
    const site = await buildTestMoodleDir({
      target: join(base, 'moodle'),
      dbtype: 'pgsql',
      release: '5.1',
      wwwroot: 'http://127.0.0.1:8081',
      db: { host: url.hostname, port: Number(url.port), name: url.pathname.slice(1), user: decodeURIComponent(url.username || 'postgres'), pass: decodeURIComponent(url.password) },
    })
    const php = await otherPhp('8.1.27', [...requiredPhpExtensions('501', 'pgsql'), 'posix'])
    const r = await doctor(['--moodle-dir', site.codeDir, '--php'], { MOODLE_BRIDGE_PHP_BINARY: php })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(lineOf(r.stdout, 'PHP boots Moodle').line, /Moodle does not bootstrap: Moodle 5\.0 or later requires at least PHP 8\.2\.0 \(currently using version 8\.1\.27\)\.$/)
    assert.match(lineOf(r.stdout, 'PHP version').line, /^FAIL .*8\.1\.27: Moodle 5\.1 needs PHP 8\.2\.0 or later$/)
    assert.match(lineOf(r.stdout, 'PHP extensions').line, / ok .*all 20 that Moodle 5\.1 needs are loaded$/)
  })

  it('a PHP that cannot be started: the fix names php_binary', async () => {
    const r = await doctor(['--moodle-dir', testEnv().moodleDirPg, '--php'], { MOODLE_BRIDGE_PHP_BINARY: '/nonexistent/php' })
    assert.equal(r.code, 1)
    const boot = lineOf(r.stdout, 'PHP boots Moodle')
    assert.match(boot.line, /FAIL .*cannot run \/nonexistent\/php: .*ENOENT/)
    assert.match(boot.fix, /php_binary \/ MOODLE_BRIDGE_PHP_BINARY\]$/)
    assertNoStack(r)
  })
})

/** Debian's php-cli, or the PHP CLI that MB_TEST_REAL_PHP names. */
function realPhp(): string | null {
  if (process.env['MB_TEST_REAL_PHP']) return process.env['MB_TEST_REAL_PHP']
  try {
    return execFileSync('sh', ['-c', 'command -v php'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

/** A test-made lib/setup.php doing what Moodle's does for the probe: the dataroot checks with Moodle's messages, then $CFG->version. */
const FAKE_SETUP_PHP = `<?php
// moodle-bridge test: a stand-in for Moodle's lib/setup.php (dataroot checks as Moodle writes them, then $CFG->version).
if (!isset($CFG->dataroot)) { echo('Fatal error: $CFG->dataroot is not specified in config.php! Exiting.'."\\n"); exit(1); }
$CFG->dataroot = realpath($CFG->dataroot);
if ($CFG->dataroot === false) { echo('Fatal error: $CFG->dataroot is not configured properly, directory does not exist or is not accessible! Exiting.'."\\n"); exit(1); }
if (!is_writable($CFG->dataroot)) { echo('Fatal error: $CFG->dataroot is not writable, admin has to fix directory permissions! Exiting.'."\\n"); exit(1); }
if (isset($CFG->mbtestfatal)) { moodle_bridge_no_such_function(); }
$CFG->version = '2024100706.00';
$CFG->release = '4.5.6 (Build: 20250811)';
`

const php = realPhp()
describe('doctor --php with real PHP', { skip: php === null && 'no PHP CLI here (command -v php): the real-PHP path is not exercised' }, () => {
  let site: { dir: string; dataroot: string }
  before(async () => {
    site = await siteCopy(testEnv().moodleDirPg, 'realphp')
    await writeFile(join(site.dir, 'lib', 'setup.php'), FAKE_SETUP_PHP)
  })

  it("runs the probe in PHP: Moodle boots, PHP's own version and extensions are reported", async () => {
    const r = await doctor(['--moodle-dir', site.dir, '--php'], { MOODLE_BRIDGE_PHP_BINARY: php! })
    const version = execFileSync(php!, ['-r', 'echo PHP_VERSION;'], { encoding: 'utf8' })
    assert.match(lineOf(r.stdout, 'PHP boots Moodle').line, new RegExp(`^ ok .*4\\.5\\.6 \\(Build: 20250811\\) \\(2024100706\\.00\\) with PHP ${version.replace(/\./g, '\\.')}`), r.stdout)
    assert.match(lineOf(r.stdout, 'PHP version').line, / ok /)
    const extensions = lineOf(r.stdout, 'PHP extensions')
    assert.ok(/ ok .*all \d+ that Moodle 4\.5 needs/.test(extensions.line) || (/missing: /.test(extensions.line) && /apt-get install php-|enable/.test(extensions.fix)), r.stdout)
    assert.match(lineOf(r.stdout, 'dataroot writable (PHP)').line, / ok /)
  })

  it('a PHP fatal error during setup is one line, with a fix, and no stack trace', async () => {
    const broken = await siteCopy(site.dir, 'realphp-fatal', (c) => c.replace(/^require_once/m, '$CFG->mbtestfatal = 1;\nrequire_once'))
    const r = await doctor(['--moodle-dir', broken.dir, '--php'], { MOODLE_BRIDGE_PHP_BINARY: php! })
    assert.equal(r.code, 1)
    const boot = lineOf(r.stdout, 'PHP boots Moodle')
    assert.match(boot.line, /FAIL .*Moodle does not bootstrap: Uncaught Error: Call to undefined function moodle_bridge_no_such_function\(\)/)
    assert.ok(boot.fix.length > 0)
    assertNoStack(r)
  })

  it("a dataroot that PHP's user cannot write: Moodle's message and the fix", { skip: !asRoot && 'needs root to run PHP as another user' }, async () => {
    await chmod(site.dataroot, 0o755)
    try {
      const r = await doctor(['--moodle-dir', site.dir, '--php'], { MOODLE_BRIDGE_PHP_BINARY: php!, MOODLE_BRIDGE_PHP_RUN_AS: '65534:65534' })
      assert.equal(r.code, 1)
      assert.match(lineOf(r.stdout, 'PHP boots Moodle').line, /dataroot is not writable, admin has to fix directory permissions! Exiting\.$/)
      assert.match(lineOf(r.stdout, 'dataroot writable (PHP)').line, /FAIL .*is not writable by (nobody|PHP's user)$/)
    } finally {
      await chmod(site.dataroot, 0o777)
    }
  })
})
