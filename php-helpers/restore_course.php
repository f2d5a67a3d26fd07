<?php
// This file is part of moodle-bridge.
//
// moodle-bridge is free software: you can redistribute it and/or modify it under the terms of the
// GNU General Public License as published by the Free Software Foundation, either version 3 of the
// License, or (at your option) any later version.

/**
 * Restores a course backup (.mbz) into an existing course, deleting the course's content first:
 * Moodle's restore controller with the target "existing course, deleting"
 * (backup::TARGET_EXISTING_DELETING), acting as the primary administrator, with the site's default
 * restore settings. Moodle's own admin/cli/restore_backup.php cannot delete content first.
 *
 * Usage: php restore_course.php [--moodle-dir=DIR] --courseid=N --file=PATH.mbz
 *
 * Result (last stdout line): {"ok":true,"courseid":N,"warnings":[…]} or
 * {"ok":false,"error":CODE,"message":TEXT} with CODE one of file_not_found, course_not_found,
 * extract_failed, unsupported_format, not_course_backup, precheck_failed, restore_failed (and the
 * shared upgrade_pending, no_admin). Exit codes as in helper_common.php.
 */

define('CLI_SCRIPT', true);

require(__DIR__ . '/helper_common.php');

/** A failure this helper recognised, with its result code. */
class mbh_restore_failure extends Exception {
    /** @var string result code */
    public $reason;

    /**
     * @param string $code
     * @param string $message
     */
    public function __construct(string $code, string $message) {
        parent::__construct($message);
        $this->reason = $code;
    }
}

/**
 * Frees the controller and removes the unpacked backup.
 *
 * @param restore_controller|null $controller
 * @param string $temppath
 */
function mbh_cleanup(?restore_controller $controller, string $temppath): void {
    if ($controller) {
        try {
            $controller->destroy();
        } catch (Throwable $e) {
            // Nothing left to free.
        }
    }
    fulldelete($temppath);
}

$options = mbh_parse_options(['courseid', 'file']);
$courseid = mbh_id_option($options, 'courseid');
$file = (string) ($options['file'] ?? '');
if ($file === '') {
    mbh_finish(MBH_EXIT_USAGE, ['ok' => false, 'error' => 'usage', 'message' => '--file is required']);
}

// Moodle's bootstrap, at file scope (see helper_common.php).
require(mbh_config_php($options));

$admin = mbh_become_admin();
require_once($CFG->libdir . '/filelib.php');
require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');

if (!is_file($file) || !is_readable($file)) {
    mbh_fail('file_not_found', 'Backup file not found.');
}
if (!$DB->record_exists('course', ['id' => $courseid])) {
    mbh_fail('course_not_found', 'Course not found.');
}

// Unpack the archive into a fresh folder below $CFG->backuptempdir, where the controller expects
// it. Moodle's backup packer reads both formats of .mbz files (tar.gz and zip).
$tempname = restore_controller::get_tempdir_name($courseid, $admin->id);
$temppath = make_backup_temp_directory($tempname);
try {
    $extracted = get_file_packer('application/vnd.moodle.backup')->extract_to_pathname($file, $temppath);
} catch (Throwable $e) {
    $extracted = false;
}
if (!$extracted) {
    fulldelete($temppath);
    mbh_fail('extract_failed', 'The backup file could not be unpacked.');
}

$controller = null;
$warnings = [];
try {
    $controller = new restore_controller($tempname, $courseid, backup::INTERACTIVE_NO, backup::MODE_GENERAL,
        $admin->id, backup::TARGET_EXISTING_DELETING);
    if ($controller->get_status() == backup::STATUS_REQUIRE_CONV) {
        throw new mbh_restore_failure('unsupported_format', 'Not a Moodle 2 backup.');
    }
    if ($controller->get_type() !== backup::TYPE_1COURSE) {
        throw new mbh_restore_failure('not_course_backup', 'Not a course backup.');
    }
    // execute_precheck() also answers false when there are only warnings: only errors stop us.
    if (!$controller->execute_precheck()) {
        $results = $controller->get_precheck_results();
        if (!empty($results['errors'])) {
            throw new mbh_restore_failure('precheck_failed', implode(' ', array_map('strval', $results['errors'])));
        }
        $warnings = array_values(array_map('strval', $results['warnings'] ?? []));
    }
    // For the "deleting" targets execute_plan() first deletes the course's content
    // (restore_dbops::delete_course_content), then restores.
    $controller->execute_plan();
} catch (mbh_restore_failure $e) {
    mbh_cleanup($controller, $temppath);
    mbh_fail($e->reason, $e->getMessage());
} catch (Throwable $e) {
    mbh_cleanup($controller, $temppath);
    mbh_fail('restore_failed', mbh_describe($e));
}
mbh_cleanup($controller, $temppath);
mbh_finish(MBH_EXIT_OK, ['ok' => true, 'courseid' => $courseid, 'warnings' => $warnings]);
