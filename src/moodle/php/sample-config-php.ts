/**
 * Test data: a config.php as Moodle's installer writes it, edited by hand afterwards (comments of
 * every kind, dboptions, octal permissions, a double-quoted list, junk after the boot line).
 */
export const SAMPLE_CONFIG_PHP = String.raw`<?php  // Moodle configuration file

unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->dbtype    = 'pgsql';
$CFG->dblibrary = 'native';
$CFG->dbhost    = 'localhost';
$CFG->dbname    = 'moodle';
$CFG->dbuser    = 'moodleuser';
$CFG->dbpass    = 'p@ss\'wo"rd\\';
$CFG->prefix    = 'mdl_';
$CFG->dboptions = array (
  'dbpersist' => 0,
  'dbport' => 5433,
  'dbsocket' => '/var/run/postgresql',
  'dbschema' => 'moodle',
  'connecttimeout' => '10',
  'dbhandlesoptions' => false,
);

$CFG->wwwroot   = 'https://lms.example.org/moodle';
$CFG->dataroot  = '/var/www/moodledata';
$CFG->admin     = 'admin';

$CFG->directorypermissions = 02777;

# Security: block internal networks for cURL.
$CFG->curlsecurityblockedhosts = "127.0.0.1\n10.0.0.0/8\n192.168.0.0/16";
/* Forced plugin settings
   (copied from the wiki). */
$CFG->forced_plugin_settings = array(
    'tool_mobile' => array('enablesmartappbanners' => 0, 'iosappid' => '633359593'),
    'auth_ldap' => ['host_url' => 'ldaps://ldap.example.org', 'contexts' => null, 'list' => [1, 2]],
);
$CFG->forced_plugin_settings['tool_mobile']['forcelogout'] = true; // Added later.
$CFG->session_handler_class = '\core\session\redis';
$CFG->session_redis_port = 6379;
$CFG->sslproxy = TRUE;
$CFG->theme = "boost";

require_once(__DIR__ . '/lib/setup.php');

// There is no php closing tag in this file,
// it is intentional because it prevents trailing whitespace problems!
$CFG->afterboot = getenv('IGNORED') . $junk;
if ($x) { echo "$y"; }
`
