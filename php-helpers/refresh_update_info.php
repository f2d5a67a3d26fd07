<?php
// This file is part of moodle-bridge.
//
// moodle-bridge is free software: you can redistribute it and/or modify it under the terms of the
// GNU General Public License as published by the Free Software Foundation, either version 3 of the
// License, or (at your option) any later version.

/**
 * Fetches the available-updates information now, with Moodle's own update checker:
 * \core\update\checker::instance()->fetch() asks the update server (or
 * $CFG->alternativeupdateproviderurl) and stores `recentfetch` and `recentresponse` of
 * `core_plugin` exactly as Moodle's scheduled task does. Moodle has no CLI option for this.
 * On failure nothing is stored and the earlier data stay as they were.
 *
 * Usage: php refresh_update_info.php [--moodle-dir=DIR]
 *
 * Result (last stdout line): {"ok":true,"recentfetch":T} or
 * {"ok":false,"error":"disabled"|"fetch_failed",…}. Exit codes as in helper_common.php.
 */

define('CLI_SCRIPT', true);

require(__DIR__ . '/helper_common.php');

$options = mbh_parse_options([]);

// Moodle's bootstrap, at file scope (see helper_common.php).
require(mbh_config_php($options));

mbh_become_admin();

// config.php can switch all update checking off (moodle.md §3.4).
if (!empty($CFG->disableupdatenotifications)) {
    mbh_fail('disabled', 'Update notifications are disabled in config.php.');
}

try {
    $checker = \core\update\checker::instance();
    $checker->fetch();
    $fetched = $checker->get_last_timefetched();
} catch (Throwable $e) {
    // \core\update\checker_exception for network, HTTP and validation failures.
    mbh_fail('fetch_failed', mbh_describe($e));
}

mbh_finish(MBH_EXIT_OK, ['ok' => true, 'recentfetch' => $fetched === null ? null : (int) $fetched]);
