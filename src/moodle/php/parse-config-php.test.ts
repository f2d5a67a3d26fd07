import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseConfigPhp } from './parse-config-php.ts'
import { PhpSubsetError } from './php-subset-error.ts'
import { phpToJson } from './php-value.ts'
import { SAMPLE_CONFIG_PHP } from './sample-config-php.ts'

describe('parseConfigPhp', () => {
  it('reads a realistic config.php up to the boot line', () => {
    const { settings, lines } = parseConfigPhp(SAMPLE_CONFIG_PHP)
    assert.deepEqual(phpToJson(settings), {
      dbtype: 'pgsql',
      dblibrary: 'native',
      dbhost: 'localhost',
      dbname: 'moodle',
      dbuser: 'moodleuser',
      dbpass: 'p@ss\'wo"rd\\',
      prefix: 'mdl_',
      dboptions: {
        dbpersist: 0,
        dbport: 5433,
        dbsocket: '/var/run/postgresql',
        dbschema: 'moodle',
        connecttimeout: '10',
        dbhandlesoptions: false,
      },
      wwwroot: 'https://lms.example.org/moodle',
      dataroot: '/var/www/moodledata',
      admin: 'admin',
      directorypermissions: 0o2777,
      curlsecurityblockedhosts: '127.0.0.1\n10.0.0.0/8\n192.168.0.0/16',
      forced_plugin_settings: {
        tool_mobile: { enablesmartappbanners: 0, iosappid: '633359593', forcelogout: true },
        auth_ldap: { host_url: 'ldaps://ldap.example.org', contexts: null, list: [1, 2] },
      },
      session_handler_class: '\\core\\session\\redis',
      session_redis_port: 6379,
      sslproxy: true,
      theme: 'boost',
    })
    assert.equal(settings.has('afterboot'), false)
    assert.equal(lines.get('dbtype'), 7)
    assert.equal(lines.get('forced_plugin_settings'), 37)
  })

  it('keeps settings in assignment order, a reassignment keeping its place', () => {
    const { settings } = parseConfigPhp("<?php $CFG->b = 1; $CFG->a = 2; $CFG->b = 3;")
    assert.deepEqual([...settings], [['b', 3], ['a', 2]])
  })

  it('merges array-property assignments at any depth', () => {
    const { settings } = parseConfigPhp(
      [
        '<?php',
        "$CFG->dboptions['dbport'] = '5432';",
        "$CFG->dboptions['readonly']['instance'][0] = 'replica1';",
        "$CFG->dboptions['readonly']['instance'][1] = 'replica2';",
        "$CFG->dboptions['dbport'] = 6432;",
        "$CFG->forced_plugin_settings['tool_x'] = ['a' => 1];",
        "$CFG->forced_plugin_settings['tool_x']['b'] = 2;",
        '$CFG->cleared = null;',
        "$CFG->cleared['x'] = 1;",
      ].join('\n'),
    )
    assert.deepEqual(phpToJson(settings), {
      dboptions: { dbport: 6432, readonly: { instance: ['replica1', 'replica2'] } },
      forced_plugin_settings: { tool_x: { a: 1, b: 2 } },
      cleared: { x: 1 },
    })
  })

  it('starts over when $CFG is recreated', () => {
    const { settings } = parseConfigPhp("<?php $CFG->old = 1; unset($CFG); $CFG = new stdClass(); $CFG->new = 2;")
    assert.deepEqual([...settings.keys()], ['new'])
  })

  it('reads a file without the boot line to its end', () => {
    const { settings } = parseConfigPhp("<?php\n$CFG->dbtype = 'mariadb';\n?>\n")
    assert.equal(settings.get('dbtype'), 'mariadb')
  })

  it('refuses a key assigned inside a string setting', () => {
    assert.throws(
      () => parseConfigPhp("<?php\n$CFG->dboptions = 'x';\n$CFG->dboptions['dbport'] = 1;"),
      (error: unknown) =>
        error instanceof PhpSubsetError &&
        error.line === 3 &&
        error.setting === "dboptions['dbport']" &&
        error.message.includes('not an array') &&
        !error.message.includes("'x'"),
    )
  })

  it('refuses other variables than $CFG', () => {
    assert.throws(
      () => parseConfigPhp("<?php\n$CFG->a = 1;\n$dbpass = 'x';"),
      (error: unknown) => error instanceof PhpSubsetError && error.line === 3 && /may only assign properties of \$CFG/.test(error.message),
    )
    assert.throws(() => parseConfigPhp('<?php $other = new stdClass();'), /may only create \$CFG/)
  })

  it('uses the file name and override hint it is given', () => {
    assert.throws(
      () =>
        parseConfigPhp("<?php\n\n$CFG->dbhost = getenv('DB_HOST');", '/srv/moodle/config.php', {
          overrideHint: () => '--db-host / MOODLE_BRIDGE_DB_HOST',
        }),
      {
        name: 'PhpSubsetError',
        message:
          '/srv/moodle/config.php line 3: $CFG->dbhost uses getenv(), which moodle-bridge cannot read without PHP; write a literal value or override it with --db-host / MOODLE_BRIDGE_DB_HOST',
      },
    )
  })

  it('refuses typical non-literal configurations with line and setting', () => {
    const cases: [string, number, string | undefined, string][] = [
      ["<?php\n$CFG->wwwroot = 'https://' . $_SERVER['HTTP_HOST'];", 2, 'wwwroot', 'uses concatenation (.)'],
      ["<?php\n$CFG->dataroot = __DIR__ . '/../moodledata';", 2, 'dataroot', 'uses __DIR__'],
      ["<?php\n$CFG->dbpass = $_ENV['DB_PASS'];", 2, 'dbpass', 'uses $_ENV'],
      ['<?php\n\n$CFG->debug = (E_ALL | E_STRICT);', 3, 'debug', 'uses the constant E_ALL'],
      ["<?php\n$CFG->debugdisplay = 1;\n@ini_set('display_errors', '1');", 3, undefined, 'found @'],
      ["<?php\ndefine('BEHAT_SITE_RUNNING', 1);", 2, undefined, 'calls define()'],
      ["<?php\nif (file_exists(__DIR__ . '/config-local.php')) {\n  require __DIR__ . '/config-local.php';\n}", 2, undefined, 'uses `if`'],
      ["<?php\nrequire_once(__DIR__ . '/config-local.php');", 2, undefined, 'includes another file'],
      ["<?php\n$CFG->dbhost = getenv('DB_HOST') ?: 'localhost';", 2, 'dbhost', 'uses getenv()'],
      ["<?php\n$CFG->theme = <<<EOT\nboost\nEOT;", 2, 'theme', 'heredoc/nowdoc'],
    ]
    for (const [source, line, setting, fragment] of cases) {
      assert.throws(
        () => parseConfigPhp(source),
        (error: unknown) => {
          assert.ok(error instanceof PhpSubsetError, String(error))
          assert.equal(error.line, line, error.message)
          assert.equal(error.setting, setting, error.message)
          assert.ok(error.message.includes(fragment), error.message)
          return true
        },
        source,
      )
    }
  })
})
