/**
 * `bin/moodle-bridge doctor` as an operator runs it (real subprocesses against the PostgreSQL and
 * MariaDB fixtures): every failed or warning check is followed by a `fix:` line naming what to
 * do: the option (config-file name and environment variable), the file with its owner, mode and
 * the access it needs, the user. `doctor --php` is tested in test/doctor-php.test.ts.
 */
import assert from 'node:assert/strict'
import { chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { asRoot, assertNoStack, doctor, lineOf, NOBODY, siteCopy } from './support/doctor-run.ts'
import { testEnv } from './support/test-env.ts'

describe('doctor: every failed check names its fix', { concurrency: 3 }, () => {
  it('a healthy site without PHP: the only fix line is the warning\'s, naming the package and php_binary', async () => {
    const r = await doctor(['--moodle-dir', testEnv().moodleDirPg], { MOODLE_BRIDGE_PHP_BINARY: 'no-such-php-cli' })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.stdout.match(/fix:/g)?.length, 1, r.stdout)
    const { line, fix } = lineOf(r.stdout, 'php on PATH')
    assert.match(line, /^WARN  php on PATH +no-such-php-cli not found/)
    assert.equal(fix, "install PHP's command line (Debian/Ubuntu: apt-get install php-cli), or set php_binary to its path [option php_binary / MOODLE_BRIDGE_PHP_BINARY]")
  })

  it('a database user the server does not know, and a dataroot that does not exist: both fixes', async () => {
    const r = await doctor(['--moodle-dir', testEnv().moodleDirPg], { MOODLE_BRIDGE_DB_USER: 'mb_no_such_role', MOODLE_BRIDGE_DATAROOT: '/nonexistent/moodledata' })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const db = lineOf(r.stdout, 'database connection')
    assert.match(db.line, /^FAIL  database connection +28000: role "mb_no_such_role" does not exist$/)
    assert.match(db.fix, /^the database refused user mb_no_such_role at 127\.0\.0\.1:\d+: correct \$CFG->dbuser \/ \$CFG->dbpass in config\.php \(Moodle uses them too\), or set them for the service \[options db_user \/ MOODLE_BRIDGE_DB_USER, db_pass \/ MOODLE_BRIDGE_DB_PASS\]$/)
    const dataroot = lineOf(r.stdout, 'dataroot readable')
    assert.match(dataroot.line, /^FAIL /)
    assert.equal(dataroot.fix, "/nonexistent/moodledata does not exist: correct $CFG->dataroot in config.php (Moodle uses it too), or the service's dataroot option [option dataroot / MOODLE_BRIDGE_DATAROOT]")
    assertNoStack(r)
  })

  it('a wrong database password (MariaDB): the same fix, and the password is never printed', { skip: !testEnv().moodleDirMysql && 'MariaDB is not configured' }, async () => {
    const r = await doctor(['--moodle-dir', testEnv().moodleDirMysql!], { MOODLE_BRIDGE_DB_PASS: 'wrong-password-1234' })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const { line, fix } = lineOf(r.stdout, 'database connection')
    assert.match(line, /^FAIL .*ER_ACCESS_DENIED_ERROR/)
    assert.match(fix, /db_pass \/ MOODLE_BRIDGE_DB_PASS\]$/)
    assert.ok(!r.stdout.includes('wrong-password-1234'))
  })

  it('no such table prefix: the fix names db_prefix and db_schema', async () => {
    const r = await doctor(['--moodle-dir', testEnv().moodleDirPg], { MOODLE_BRIDGE_DB_PREFIX: 'nope_' })
    assert.equal(r.code, 1)
    const { line, fix } = lineOf(r.stdout, 'table prefix')
    assert.match(line, /^FAIL .*42P01/)
    assert.match(fix, /^there is no table nope_config: correct \$CFG->prefix .*\[options db_prefix \/ MOODLE_BRIDGE_DB_PREFIX, db_schema \/ MOODLE_BRIDGE_DB_SCHEMA\]$/)
  })

  it('a config.php the service cannot read: the fix names the file, its owner and mode, and the group to join', { skip: !asRoot && 'needs root to run doctor as another user' }, async () => {
    const site = await siteCopy(testEnv().moodleDirPg, 'unreadable')
    const config = join(site.dir, 'config.php')
    await chmod(config, 0o600)
    const r = await doctor(['--moodle-dir', site.dir], {}, NOBODY)
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const { line, fix } = lineOf(r.stdout, 'config.php')
    assert.match(line, /^FAIL .*permission denied/)
    assert.equal(fix, `nobody needs read access to ${config} (owner root:root, mode 0600): add nobody to group root (usermod -aG root nobody) and chmod g+r ${config}, or run the service as root`)
    assertNoStack(r)
  })

  it('a config.php value outside the subset: the fix names the setting and its option', async () => {
    const site = await siteCopy(testEnv().moodleDirPg, 'getenv', (c) => c.replace(/^\$CFG->dbuser\s*=.*$/m, "$CFG->dbuser = getenv('DB_USER');"))
    const r = await doctor(['--moodle-dir', site.dir])
    assert.equal(r.code, 1)
    const { fix } = lineOf(r.stdout, 'config.php')
    assert.equal(fix, `write $CFG->dbuser as a plain value in ${join(site.dir, 'config.php')} (no getenv(), constants or concatenation), or give the value to the service [option db_user / MOODLE_BRIDGE_DB_USER]`)
  })
})
