/** Site-level files of a test Moodle install: `config.php` and the root `version.php`. */
import type { CoreVersionFacts } from './fixtures.ts'
import { PHP_HEADER, phpDocBlock, phpMaturity, phpString } from './php.ts'

/** Moodle's database drivers that moodle-bridge reads. */
export type MoodleDbType = 'pgsql' | 'mariadb' | 'mysqli' | 'auroramysql'

/** Database connection facts written into `config.php`. */
export interface TestMoodleDb {
  host: string
  port: number
  name: string
  user: string
  pass: string
  /** Unix socket path, `''` for none. */
  socket?: string
}

/** What `config.php` says. */
export interface ConfigPhpOptions {
  dbtype: MoodleDbType
  db: TestMoodleDb
  prefix: string
  wwwroot: string
  dataroot: string
  /** Extra PHP statements, placed before `require_once(... lib/setup.php)`. */
  extraConfig?: string
  /** What the boot line includes, relative to the root: `/lib/setup.php` (default), `/public/lib/setup.php` on 5.1+. */
  setupPath?: string
}

/** A `config.php` laid out the way Moodle's installer writes it. */
export function configPhp(o: ConfigPhpOptions): string {
  const isMysql = o.dbtype !== 'pgsql'
  const dboptions = [
    `  'dbpersist' => 0,`,
    `  'dbport' => ${o.db.port},`,
    `  'dbsocket' => ${phpString(o.db.socket ?? '')},`,
    ...(isMysql ? [`  'dbcollation' => 'utf8mb4_unicode_ci',`] : []),
  ]
  return `<?php  // Moodle configuration file

unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->dbtype    = ${phpString(o.dbtype)};
$CFG->dblibrary = 'native';
$CFG->dbhost    = ${phpString(o.db.host)};
$CFG->dbname    = ${phpString(o.db.name)};
$CFG->dbuser    = ${phpString(o.db.user)};
$CFG->dbpass    = ${phpString(o.db.pass)};
$CFG->prefix    = ${phpString(o.prefix)};
$CFG->dboptions = array (
${dboptions.join('\n')}
);

$CFG->wwwroot   = ${phpString(o.wwwroot)};
$CFG->dataroot  = ${phpString(o.dataroot)};
$CFG->admin     = 'admin';

$CFG->directorypermissions = 02777;
${o.extraConfig ? `\n${o.extraConfig.trimEnd()}\n` : ''}
require_once(__DIR__ . ${phpString(o.setupPath ?? '/lib/setup.php')});

// There is no php closing tag in this file,
// it is intentional because it prevents trailing whitespace problems!
`
}

/** The site's root `version.php`, from `core-version.json`. */
export function coreVersionPhp(core: CoreVersionFacts): string {
  return `${PHP_HEADER}${phpDocBlock('MOODLE VERSION INFORMATION', 'core')}
defined('MOODLE_INTERNAL') || die();

$version  = ${core.version_text};              // YYYYMMDD      = weekly release date of this DEV branch.
                                         //         RR    = release increments - 00 in DEV branches.
                                         //           .XX = incremental changes.
$release  = ${phpString(core.release)}; // Human-friendly version name
$branch   = ${phpString(core.branch)};                     // This version's branch.
$maturity = ${phpMaturity(core.maturity)};             // This version's maturity level.
`
}

/**
 * `public/config.php` of a 5.1+ tree: Moodle ships one that only loads the root's config.php
 * (written here in our own words; the service never reads it).
 */
export const PUBLIC_CONFIG_PHP_LOADER = `<?php
// moodle-bridge test install (Moodle 5.1+ layout): the code folder's config.php loads the root's.
$rootconfig = dirname(__DIR__) . '/config.php';
require_once($rootconfig);
`

/** Stand-in for `lib/setup.php`, so `config.php`'s `require_once` names a real file. */
export const SETUP_PHP_STUB = `<?php
// moodle-bridge test install: a stand-in for Moodle's lib/setup.php. Nothing here runs.
defined('MOODLE_INTERNAL') || die();
`
