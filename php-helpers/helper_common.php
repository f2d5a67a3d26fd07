<?php
// This file is part of moodle-bridge.
//
// moodle-bridge is free software: you can redistribute it and/or modify it under the terms of the
// GNU General Public License as published by the Free Software Foundation, either version 3 of the
// License, or (at your option) any later version.

/**
 * Shared code of moodle-bridge's PHP helpers (see README.md beside this file).
 *
 * Only functions are defined here. Each helper defines CLI_SCRIPT, includes this file, parses its
 * options, then requires Moodle's config.php itself at file scope: Moodle's bootstrap
 * (lib/setup.php) must run in the global scope, so it cannot be required from inside a function.
 *
 * Result protocol: the last line a helper prints on stdout is one JSON object, `{"ok":true,...}`
 * or `{"ok":false,"error":"<code>","message":"<text>"}`. Exit codes:
 *   0  done
 *   1  PHP or Moodle failed before the helper could answer (Moodle prints "!!! … !!!" itself)
 *   2  usage error (unknown, missing or malformed option; Moodle root without config.php)
 *   3  the operation itself failed (see `error`)
 */

// Not a Moodle file, but keep the usual guard against being served over the web.
if (PHP_SAPI !== 'cli') {
    http_response_code(403);
    exit(1);
}

/** Exit code: done. */
const MBH_EXIT_OK = 0;
/** Exit code: usage error. */
const MBH_EXIT_USAGE = 2;
/** Exit code: the operation failed. */
const MBH_EXIT_FAILED = 3;

/**
 * Parses `--name=value` and `--flag` arguments. Unknown options and options without a value are
 * usage errors. `--moodle-dir` is always accepted; it defaults to the working directory (the
 * service starts helpers in the Moodle root).
 *
 * @param string[] $valued options that take a value
 * @param string[] $flags options without a value
 * @return array<string, string|bool> option name => value (true for flags)
 */
function mbh_parse_options(array $valued, array $flags = []): array {
    global $argv;
    $valued[] = 'moodle-dir';
    $options = [];
    foreach (array_slice($argv ?? [], 1) as $arg) {
        if (!preg_match('/^--([a-z][a-z0-9-]*)(?:=(.*))?$/s', $arg, $m)) {
            mbh_finish(MBH_EXIT_USAGE, ['ok' => false, 'error' => 'usage', 'message' => "Unexpected argument: $arg"]);
        }
        $name = $m[1];
        $hasvalue = array_key_exists(2, $m);
        if (in_array($name, $valued, true) && $hasvalue) {
            $options[$name] = $m[2];
        } else if (in_array($name, $flags, true) && !$hasvalue) {
            $options[$name] = true;
        } else {
            mbh_finish(MBH_EXIT_USAGE, ['ok' => false, 'error' => 'usage', 'message' => "Unknown or malformed option: --$name"]);
        }
    }
    if (!isset($options['moodle-dir']) || $options['moodle-dir'] === '') {
        $options['moodle-dir'] = getcwd();
    }
    return $options;
}

/**
 * The path of Moodle's config.php in the Moodle root given by the options (a usage error when
 * there is none).
 *
 * @param array $options as returned by mbh_parse_options()
 * @return string
 */
function mbh_config_php(array $options): string {
    $file = rtrim((string) $options['moodle-dir'], '/') . '/config.php';
    if (!is_file($file) || !is_readable($file)) {
        mbh_finish(MBH_EXIT_USAGE, ['ok' => false, 'error' => 'usage', 'message' => 'No readable config.php in the Moodle root.']);
    }
    return $file;
}

/**
 * A required option that must be a positive integer (an id).
 *
 * @param array $options
 * @param string $name
 * @return int
 */
function mbh_id_option(array $options, string $name): int {
    $value = $options[$name] ?? '';
    if (!is_string($value) || !preg_match('/^[1-9][0-9]{0,17}$/', $value)) {
        mbh_finish(MBH_EXIT_USAGE, ['ok' => false, 'error' => 'usage', 'message' => "--$name must be a positive integer"]);
    }
    return (int) $value;
}

/**
 * Prepares the Moodle session of a helper, once config.php has been loaded: raises the time and
 * memory limits, refuses to work while Moodle's code awaits an upgrade, and acts as the primary
 * site administrator (Moodle's CLI scripts do the same).
 *
 * @return stdClass the primary administrator
 */
function mbh_become_admin(): stdClass {
    global $CFG;
    require_once($CFG->libdir . '/clilib.php');
    core_php_time_limit::raise();
    raise_memory_limit(MEMORY_EXTRA);
    if (moodle_needs_upgrading()) {
        mbh_fail('upgrade_pending', 'Moodle needs upgrading; nothing was done.');
    }
    $admin = get_admin();
    if (!$admin) {
        mbh_fail('no_admin', 'The site has no administrator.');
    }
    \core\session\manager::set_user($admin);
    return $admin;
}

/**
 * Ends the helper with the failure result.
 *
 * @param string $code stable, machine-readable reason
 * @param string $message short human-readable text (the service may pass it on, cut to a few words)
 */
function mbh_fail(string $code, string $message): void {
    mbh_finish(MBH_EXIT_FAILED, ['ok' => false, 'error' => $code, 'message' => $message]);
}

/**
 * Prints the result as the last line on stdout and exits.
 *
 * @param int $exitcode
 * @param array $result
 */
function mbh_finish(int $exitcode, array $result): void {
    $flags = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR;
    // A newline first: Moodle's output (debugging, mtrace) may have left a line unfinished.
    fwrite(STDOUT, "\n" . json_encode($result, $flags) . "\n");
    exit($exitcode);
}

/**
 * A short text for an exception: its message, plus Moodle's error code when there is one.
 *
 * @param Throwable $e
 * @return string
 */
function mbh_describe(Throwable $e): string {
    $text = trim(preg_replace('/\s+/', ' ', $e->getMessage()));
    if ($e instanceof moodle_exception && !empty($e->errorcode) && strpos($text, $e->errorcode) === false) {
        $text = $e->errorcode . ($text === '' ? '' : ": $text");
    }
    return core_text::substr($text === '' ? get_class($e) : $text, 0, 200);
}
