import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { PhpSubsetError } from './php-subset-error.ts'
import { defaultOverrideHint, readConfigPhp } from './read-config-php.ts'
import { SAMPLE_CONFIG_PHP } from './sample-config-php.ts'

describe('readConfigPhp', () => {
  let root: string
  let count = 0

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'read-config-php-'))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  /** A Moodle directory holding this config.php. */
  async function site(source: string): Promise<string> {
    const dirroot = join(root, `site${++count}`)
    await mkdir(dirroot)
    await writeFile(join(dirroot, 'config.php'), source)
    return dirroot
  }

  it('returns the typed view of a realistic config.php', async () => {
    const dirroot = await site(SAMPLE_CONFIG_PHP)
    const config = await readConfigPhp(dirroot)
    assert.equal(config.file, join(dirroot, 'config.php'))
    assert.equal(config.dbtype, 'pgsql')
    assert.equal(config.dbhost, 'localhost')
    assert.equal(config.dbname, 'moodle')
    assert.equal(config.dbuser, 'moodleuser')
    assert.equal(config.dbpass, 'p@ss\'wo"rd\\')
    assert.equal(config.prefix, 'mdl_')
    assert.deepEqual(config.dboptions, {
      dbport: 5433,
      dbsocket: '/var/run/postgresql',
      dbschema: 'moodle',
      connecttimeout: 10,
      dbhandlesoptions: false,
    })
    assert.equal(config.wwwroot, 'https://lms.example.org/moodle')
    assert.equal(config.dataroot, '/var/www/moodledata')
    assert.equal(config.admin, 'admin')
    assert.equal(config.directorypermissions, 0o2777)
    assert.equal(config.settings.get('theme'), 'boost')
    assert.equal(config.settings.get('sslproxy'), true)
    assert.deepEqual(
      [...config.forcedPluginSettings].map(([plugin, names]) => [plugin, Object.fromEntries(names)]),
      [
        ['tool_mobile', { enablesmartappbanners: '0', iosappid: '633359593', forcelogout: '1' }],
        ['auth_ldap', { host_url: 'ldaps://ldap.example.org' }],
      ],
    )
  })

  it('leaves absent values undefined and applies Moodle defaults', async () => {
    const config = await readConfigPhp(await site("<?php\n$CFG = new stdClass();\n$CFG->dbname = 'moodle';\n"))
    assert.equal(config.dbtype, undefined)
    assert.equal(config.wwwroot, undefined)
    assert.equal(config.dataroot, undefined)
    assert.equal(config.prefix, undefined)
    assert.deepEqual(config.dboptions, {})
    assert.equal(config.admin, 'admin')
    assert.equal(config.directorypermissions, 0o2777)
    assert.equal(config.forcedPluginSettings.size, 0)
  })

  it('reads installer-style empty dboptions as absent', async () => {
    const config = await readConfigPhp(
      await site(
        "<?php\n$CFG->admin = 'siteadmin';\n$CFG->directorypermissions = 0750;\n$CFG->dboptions = array (\n  'dbpersist' => 0,\n  'dbport' => '',\n  'dbsocket' => '',\n  'dbcollation' => 'utf8mb4_unicode_ci',\n  'dbhandlesoptions' => '1',\n);\n",
      ),
    )
    assert.deepEqual(config.dboptions, { dbcollation: 'utf8mb4_unicode_ci', dbhandlesoptions: true })
    assert.equal(config.admin, 'siteadmin')
    assert.equal(config.directorypermissions, 0o750)
  })

  it('converts scalar settings to strings as PHP does', async () => {
    const config = await readConfigPhp(await site("<?php $CFG->dbpass = 12345; $CFG->dbuser = null; $CFG->dboptions = ['dbport' => '3307', 'dbsocket' => true];"))
    assert.equal(config.dbpass, '12345')
    assert.equal(config.dbuser, '')
    assert.deepEqual(config.dboptions, { dbport: 3307, dbsocket: '1' })
  })

  it('refuses values of the wrong shape with the line of the setting', async () => {
    const dirroot = await site("<?php\n$CFG->dbtype = 'pgsql';\n$CFG->dbpass = ['secret'];\n")
    await assert.rejects(readConfigPhp(dirroot), (error: unknown) => {
      assert.ok(error instanceof PhpSubsetError)
      assert.equal(error.line, 3)
      assert.equal(error.setting, 'dbpass')
      assert.ok(!error.message.includes('secret'))
      return true
    })
    await assert.rejects(readConfigPhp(await site("<?php\n\n$CFG->dboptions = ['dbport' => 'abc'];")), {
      name: 'PhpSubsetError',
      message: /line 3: \$CFG->dboptions\['dbport'\] must be a positive number/,
    })
    await assert.rejects(readConfigPhp(await site("<?php $CFG->dboptions = 'x';")), /\$CFG->dboptions must be an array/)
  })

  it("suggests moodle-bridge's own override options", async () => {
    await assert.rejects(readConfigPhp(await site("<?php\n$CFG->dbpass = getenv('DB_PASS');\n")), {
      name: 'PhpSubsetError',
      message: /line 2: \$CFG->dbpass uses getenv\(\), which moodle-bridge cannot read without PHP; write a literal value or override it with --db-pass \/ MOODLE_BRIDGE_DB_PASS$/,
    })
    assert.equal(defaultOverrideHint("dboptions['dbport']"), '--db-port / MOODLE_BRIDGE_DB_PORT')
    assert.equal(defaultOverrideHint('wwwroot'), '--wwwroot / MOODLE_BRIDGE_WWWROOT')
    assert.equal(defaultOverrideHint('theme'), undefined)
  })

  it('names the path when config.php is missing or unreadable', async () => {
    const missing = join(root, 'nowhere')
    await assert.rejects(readConfigPhp(missing), {
      message: `cannot read Moodle's config file ${join(missing, 'config.php')}: no such file (is the Moodle directory right?)`,
    })
    const dirroot = join(root, 'dir-instead')
    await mkdir(join(dirroot, 'config.php'), { recursive: true })
    await assert.rejects(readConfigPhp(dirroot), new RegExp(`${join(dirroot, 'config.php')}: it is a directory`))
  })
})
