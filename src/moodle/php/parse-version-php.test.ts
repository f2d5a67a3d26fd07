import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCoreVersionPhp, parsePluginVersionPhp, parseVersionPhp } from './parse-version-php.ts'
import { PhpSubsetError } from './php-subset-error.ts'

const LICENSE = `<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
`

const ROOT_VERSION_PHP = `${LICENSE}
/**
 * MOODLE VERSION INFORMATION
 *
 * This file defines the current version of the core Moodle code being used.
 *
 * @package    core
 */

defined('MOODLE_INTERNAL') || die();

$version  = 2024100706.00;              // 20241007      = branching date YYYYMMDD - do not modify!
                                        //         RR    = release increments - 00 in DEV branches.
                                        //           .XX = incremental changes.
$release  = '4.5.6 (Build: 20250811)'; // Human-friendly version name
$branch   = '405';                     // This version's branch.
$maturity = MATURITY_STABLE;             // This version's maturity level.
`

const PLUGIN_VERSION_PHP = `${LICENSE}
/**
 * Version details.
 *
 * @package    block_xp
 */

defined('MOODLE_INTERNAL') || die();

$plugin->version   = 2024100700;        // The current module version (Date: YYYYMMDDXX).
$plugin->requires  = 2022041900;        // Requires this Moodle version.
$plugin->component = 'block_xp';        // Full name of the plugin (used for diagnostics).
$plugin->maturity  = MATURITY_STABLE;
$plugin->release   = '19.0.0';
$plugin->supported = [401, 500];
$plugin->incompatible = 501;
$plugin->dependencies = ['format_topics' => 2022041900, 'local_helper' => ANY_VERSION];
$plugin->cron      = 0;
`

describe('parseVersionPhp: root version.php', () => {
  it('reads the four variables and keeps the version text', () => {
    const { core, plugin } = parseVersionPhp(ROOT_VERSION_PHP, '/var/www/moodle/version.php')
    assert.equal(plugin, undefined)
    assert.deepEqual(core, {
      version: 2024100706,
      versionText: '2024100706.00',
      release: '4.5.6 (Build: 20250811)',
      branch: '405',
      maturity: 200,
    })
  })

  it('keeps micro increments and knows every maturity constant', () => {
    for (const [name, value] of [['MATURITY_ALPHA', 50], ['MATURITY_BETA', 100], ['MATURITY_RC', 150], ['MATURITY_STABLE', 200]] as const) {
      const core = parseCoreVersionPhp(`<?php\n$version = 2024100700.01;\n$maturity = ${name};`)
      assert.equal(core.maturity, value)
      assert.equal(core.version, 2024100700.01)
      assert.equal(core.versionText, '2024100700.01')
    }
  })

  it('throws when $version is missing or not a number', () => {
    assert.throws(() => parseCoreVersionPhp("<?php $release = '4.5';"), { name: 'PhpSubsetError', message: /does not assign \$version/ })
    assert.throws(() => parseCoreVersionPhp("<?php\n$version = 'abc';"), { name: 'PhpSubsetError', message: 'version.php line 2: $version must be a number' })
  })
})

describe('parseVersionPhp: plugin version.php', () => {
  it('reads the real shapes of a plugin version.php', () => {
    const { core, plugin } = parseVersionPhp(PLUGIN_VERSION_PHP)
    assert.equal(core, undefined)
    assert.ok(plugin)
    const { properties, ...facts } = plugin
    assert.deepEqual(facts, {
      component: 'block_xp',
      version: 2024100700,
      versionText: '2024100700',
      requires: 2022041900,
      maturity: 200,
      release: '19.0.0',
      dependencies: { format_topics: 2022041900, local_helper: 'any' },
      supported: [401, 500],
      incompatible: 501,
    })
    assert.equal(properties.get('cron'), 0)
  })

  it('accepts $plugin = new stdClass(), array() syntax and older guards', () => {
    const plugin = parsePluginVersionPhp(
      [
        '<?php',
        "defined('MOODLE_INTERNAL') or die('Direct access to this script is forbidden.');",
        '$plugin = new stdClass();',
        '$plugin->version = 2021052500; # YYYYMMDDHH',
        "$plugin->dependencies = array('mod_quiz' => 2021051700, 'qtype_multichoice' => '2021051700');",
        "$plugin->dependencies['filter_mathjaxloader'] = ANY_VERSION;",
        '$plugin->requires = 2020061500.00;',
        '?>',
      ].join('\n'),
    )
    assert.equal(plugin.version, 2021052500)
    assert.equal(plugin.requires, 2020061500)
    assert.equal(plugin.component, undefined)
    assert.equal(plugin.supported, undefined)
    assert.deepEqual(plugin.dependencies, { mod_quiz: 2021051700, qtype_multichoice: 2021051700, filter_mathjaxloader: 'any' })
  })

  it('returns an empty plugin when only the object is created', () => {
    const plugin = parsePluginVersionPhp('<?php $plugin = new stdClass();')
    assert.deepEqual({ ...plugin, properties: [...plugin.properties] }, { dependencies: {}, properties: [] })
  })

  it('refuses a file without $plugin for a plugin', () => {
    assert.throws(() => parsePluginVersionPhp("<?php defined('MOODLE_INTERNAL') || die();"), /does not assign \$plugin/)
  })

  it('refuses supported ranges Moodle refuses', () => {
    for (const bad of ['[401]', '[401, 405, 500]', '[405, 401]', "['a', 'b']", '401', '[1 => 401, 2 => 405]', '[401.5, 405]']) {
      assert.throws(
        () => parseVersionPhp(`<?php\n$plugin->version = 1;\n$plugin->supported = ${bad};`),
        (error: unknown) => error instanceof PhpSubsetError && error.line === 3 && error.setting === 'supported',
        bad,
      )
    }
  })

  it('refuses values of the wrong type with their setting', () => {
    assert.throws(() => parseVersionPhp("<?php\n$plugin->version = 'soon';"), {
      message: 'version.php line 2: $plugin->version must be a number',
    })
    assert.throws(() => parseVersionPhp("<?php\n$plugin->dependencies = ['mod_x' => 'latest'];"), {
      message: "version.php line 2: $plugin->dependencies['mod_x'] must be a version number or ANY_VERSION",
    })
    assert.throws(() => parseVersionPhp('<?php\n$plugin->dependencies = 5;'), { message: /dependencies must be an array/ })
    assert.throws(() => parseVersionPhp('<?php\n$plugin->release = [1];'), { message: /release must be a string/ })
  })

  it('converts scalar releases as PHP does', () => {
    assert.equal(parsePluginVersionPhp('<?php $plugin->release = 2.5;').release, '2.5')
  })

  it('refuses PHP outside the subset', () => {
    const cases: [string, number, string | undefined, string][] = [
      ["<?php\n$plugin->version = 2024100700;\n$plugin->release = '1.0 ' . date('Y');", 3, 'release', 'uses concatenation (.)'],
      ['<?php\n$plugin->maturity = MATURITY_SOMETIMES;', 2, 'maturity', 'uses the constant MATURITY_SOMETIMES'],
      ["<?php\nif (!defined('MOODLE_INTERNAL')) { die(); }", 2, undefined, 'uses `if`'],
      ["<?php\nrequire_once(__DIR__ . '/../../config.php');", 2, undefined, 'includes another file'],
      ["<?php\n$plugin->release = \"v$major\";", 2, 'release', 'interpolation'],
    ]
    for (const [source, line, setting, fragment] of cases) {
      assert.throws(
        () => parseVersionPhp(source, 'mod/x/version.php'),
        (error: unknown) => {
          assert.ok(error instanceof PhpSubsetError, String(error))
          assert.equal(error.file, 'mod/x/version.php')
          assert.equal(error.line, line, error.message)
          assert.equal(error.setting, setting, error.message)
          assert.ok(error.message.includes(fragment), error.message)
          return true
        },
      )
    }
  })

  it('ignores other variables, such as the legacy $module', () => {
    const { core, plugin } = parseVersionPhp('<?php $module->version = 2010010100; $foo = 1;')
    assert.equal(core, undefined)
    assert.equal(plugin, undefined)
  })
})
