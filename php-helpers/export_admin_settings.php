<?php
// This file is part of moodle-bridge.
//
// moodle-bridge is free software: you can redistribute it and/or modify it under the terms of the
// GNU General Public License as published by the Free Software Foundation, either version 3 of the
// License, or (at your option) any later version.

/**
 * Prints the site configuration the way Moodle's admin-preset export collects it (Moodle 4.1+):
 * every setting of the admin tree with its current value (or its default when the database has
 * none), cleaned by the admin-preset setting classes, with its attributes (`_adv`, `_locked`, …),
 * plus the enabled state of every plugin present on disk.
 *
 * It uses \core_adminpresets\manager::get_site_settings(), the collection step of
 * manager::export_preset(), and the same plugin loop, but never calls export_preset(): nothing is
 * written, so Moodle's admin-preset tables stay unchanged. Sensitive settings are NOT filtered
 * here; the list Moodle uses for that (adminpresets/sensiblesettings) is part of the result, and
 * the service applies it.
 *
 * Usage: php export_admin_settings.php [--moodle-dir=DIR]
 *
 * Result (last stdout line), values as strings (null when Moodle has none):
 * {"ok":true,
 *  "settings":[{"plugin":"none"|component,"name":…,"value":…,"attributes":{name: value}}],
 *  "frontpage":{"fullname":…,"shortname":…,"summary":…},
 *  "plugins":{type: {name: state}},  the integer export_preset() records from get_enabled_plugin()
 *  "sensiblesettings":["name@@plugin", …]}
 * or {"ok":false,"error":"unsupported"|"export_failed",…}. Exit codes as in helper_common.php.
 */

define('CLI_SCRIPT', true);

require(__DIR__ . '/helper_common.php');

/**
 * A setting value as text, as Moodle stores it; null stays null.
 *
 * @param mixed $value
 * @return string|null
 */
function mbh_text($value): ?string {
    if ($value === null) {
        return null;
    }
    if (is_bool($value)) {
        return $value ? '1' : '0';
    }
    if (is_array($value) || is_object($value)) {
        return json_encode($value);
    }
    return (string) $value;
}

$options = mbh_parse_options([]);

// Moodle's bootstrap, at file scope (see helper_common.php).
require(mbh_config_php($options));

mbh_become_admin();
require_once($CFG->libdir . '/adminlib.php');

if (!class_exists('core_adminpresets\manager')) {
    mbh_fail('unsupported', 'This Moodle version has no admin presets (Moodle 4.1 or later is needed).');
}

try {
    $manager = new \core_adminpresets\manager();

    // plugin => name => adminpresets_setting; the front page's fullname, shortname and summary
    // are among the core ('none') settings.
    $settings = [];
    foreach ($manager->get_site_settings() as $plugin => $pluginsettings) {
        foreach ($pluginsettings as $name => $setting) {
            $attributes = [];
            foreach ($setting->get_attributes_values() ?: [] as $attname => $attvalue) {
                $attributes[(string) $attname] = mbh_text($attvalue);
            }
            $settings[] = [
                'plugin' => (string) $plugin,
                'name' => (string) $name,
                'value' => mbh_text($setting->get_value()),
                'attributes' => (object) $attributes,
            ];
        }
    }

    $site = $DB->get_record('course', ['id' => SITEID], 'fullname, shortname, summary', MUST_EXIST);
    $frontpage = ['fullname' => $site->fullname, 'shortname' => $site->shortname, 'summary' => $site->summary];

    // Plugin states exactly as manager::export_preset() records them.
    $plugins = [];
    $pluginmanager = core_plugin_manager::instance();
    foreach (array_keys($pluginmanager->get_plugin_types()) as $type) {
        $present = $pluginmanager->get_present_plugins($type);
        if (empty($present)) {
            continue;
        }
        $class = core_plugin_manager::resolve_plugininfo_class($type);
        foreach (array_keys($present) as $name) {
            // The adminpresets_plug column is an integer: true 1, false and null (not applicable) 0;
            // filters -9999/-1/1 and repositories -1/0/1 keep their values.
            $plugins[$type][$name] = (string) (int) $class::get_enabled_plugin($name);
        }
    }

    $sensible = str_replace(' ', '', (string) get_config('adminpresets', 'sensiblesettings'));
    $sensible = array_values(array_filter(explode(',', $sensible), 'strlen'));
} catch (Throwable $e) {
    mbh_fail('export_failed', mbh_describe($e));
}

mbh_finish(MBH_EXIT_OK, [
    'ok' => true,
    'settings' => $settings,
    'frontpage' => $frontpage,
    'plugins' => (object) array_map(fn($states) => (object) $states, $plugins),
    'sensiblesettings' => $sensible,
]);
