<?php
// This file is part of moodle-bridge (real-Moodle test mode, docs/real-moodle-tests.md).
//
// What the real-Moodle suite creates on the site and removes again, done with Moodle's own code:
// the scratch course (Moodle's test data generator), a page added to it, a scratch external
// service with a token of the primary administrator. Run with the site's PHP CLI as the web-server
// user: php site-tool.php --moodle-dir=DIR --action=NAME [--name=value ...]
// The last line on stdout is one JSON object: {"ok":true,...} or {"ok":false,"error":...}.

define('CLI_SCRIPT', true);

$options = [];
foreach (array_slice($argv, 1) as $arg) {
    if (!preg_match('/^--([a-z_]+)=(.*)$/s', $arg, $m)) {
        fwrite(STDERR, "usage: --name=value options only, got $arg\n");
        exit(2);
    }
    $options[$m[1]] = $m[2];
}
if (empty($options['moodle_dir']) || empty($options['action'])) {
    fwrite(STDERR, "usage: --moodle_dir=DIR --action=NAME\n");
    exit(2);
}

require($options['moodle_dir'] . '/config.php');
require_once($CFG->libdir . '/testing/generator/lib.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/webservice/lib.php');

\core\session\manager::set_user(get_admin());

/** Prints the result line and exits. */
function answer(array $result): void {
    echo json_encode(['ok' => true] + $result), "\n";
    exit(0);
}

$opt = function (string $name) use ($options): string {
    if (!isset($options[$name]) || $options[$name] === '') {
        echo json_encode(['ok' => false, 'error' => "missing --$name"]), "\n";
        exit(2);
    }
    return $options[$name];
};

try {
    switch ($options['action']) {
        case 'create_course':
            $generator = new testing_data_generator();
            $course = $generator->create_course([
                'shortname' => $opt('shortname'),
                'fullname' => $opt('fullname'),
                'summary' => 'Scratch course of moodle-bridge test:real; removed by the suite.',
            ]);
            $page = $generator->create_module('page', ['course' => $course->id, 'name' => 'Scratch page', 'content' => 'made before the backup']);
            $generator->create_module('forum', ['course' => $course->id, 'name' => 'Scratch forum']);
            answer(['courseid' => (int) $course->id, 'pagecmid' => (int) $page->cmid]);

        case 'add_page':
            $generator = new testing_data_generator();
            $page = $generator->create_module('page', ['course' => (int) $opt('courseid'), 'name' => $opt('name'), 'content' => 'made after the backup']);
            answer(['cmid' => (int) $page->cmid]);

        case 'delete_course':
            $id = (int) $opt('courseid');
            $exists = $DB->record_exists('course', ['id' => $id]);
            if ($exists && $id !== SITEID) {
                ob_start(); // delete_course() prints progress.
                delete_course($id, false);
                ob_end_clean();
            }
            answer(['deleted' => $exists]);

        case 'create_token':
            $ws = new webservice();
            $serviceid = $ws->add_external_service((object) [
                'name' => $opt('service'),
                'shortname' => $opt('service'),
                'enabled' => 1,
                'restrictedusers' => 0,
                'requiredcapability' => '',
                'downloadfiles' => 0,
                'uploadfiles' => 0,
            ]);
            $service = $DB->get_record('external_services', ['id' => $serviceid], '*', MUST_EXIST);
            $token = \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT, $service, (int) get_admin()->id,
                context_system::instance(), 0, '', 'moodle-bridge test:real');
            $tokenid = (int) $DB->get_field('external_tokens', 'id', ['token' => $token]);
            answer(['token' => $token, 'tokenid' => $tokenid, 'serviceid' => (int) $serviceid, 'userid' => (int) get_admin()->id]);

        case 'delete_service':
            $ws = new webservice();
            $ws->delete_service((int) $opt('serviceid')); // also deletes its tokens
            answer([]);

        default:
            echo json_encode(['ok' => false, 'error' => 'unknown action']), "\n";
            exit(2);
    }
} catch (Throwable $e) {
    echo json_encode(['ok' => false, 'error' => get_class($e), 'message' => $e->getMessage()]), "\n";
    exit(3);
}
