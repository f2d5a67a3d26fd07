import { Command } from 'commander'
import { describeOptions } from '../config/index.ts'

// Commands are loaded on use, so `serve` never loads the embedded engine and `--help` stays fast.
const serveCommand = async (flags: object) => (await import('./serve.ts')).serveCommand(flags)
const demoCommand = async (flags: object) => (await import('./demo.ts')).demoCommand(flags)
const workerCommand = async (flags: object) => (await import('./worker.ts')).workerCommand(flags)
const doctorCommand = async (flags: object) => (await import('./doctor.ts')).doctorCommand(flags)
const setKeyCommand = async (flags: object) => (await import('./moopanel-key.ts')).setKeyCommand(flags)
const openapiCommand = async (flags: object, extra: string[]) => (await import('./openapi.ts')).openapiCommand(flags, extra)
const switchCommand = async (flags: object, enabled: boolean) => (await import('./moopanel-key.ts')).switchCommand(flags, enabled)
const jobs = async () => import('./jobs.ts')
const sitesListCommand = async (flags: object) => (await import('./sites.ts')).sitesListCommand(flags)

const optionHelp = () =>
  '\nEvery option can also be set in the config file (--config FILE, YAML or JSON, option names as keys)\n' +
  'or in the environment (lists comma-separated). MOODLE_BRIDGE_MOOPANEL_KEY is an alias of MOODLE_BRIDGE_API_KEY.\n\n' +
  describeOptions().map((o) => `  ${o.env.padEnd(44)} ${o.doc}`).join('\n') + '\n'

const program = new Command('moodle-bridge')
  .description('MooPanel-compatible management API beside a Moodle site, without a PHP plugin')
  .addHelpText('after', optionHelp)

program
  .command('serve')
  .description('serve the APIs for a Moodle install')
  .option('--moodle-dir <dir>', 'Moodle code directory (holds config.php)')
  .option('--host <host>', 'listen address (default 127.0.0.1)')
  .option('--port <port>', 'listen port (default 8787)')
  .option('--state-url <url>', "database URL of the service's own store (default: Moodle's database)")
  .option('--config <file>', 'configuration file (YAML or JSON)')
  .addHelpText('after', optionHelp)
  .action(serveCommand)

program
  .command('demo')
  .description('serve a generated demo site from an embedded database')
  .option('--port <port>', 'listen port (default 8787)')
  .option('--host <host>', 'listen address (default 127.0.0.1)')
  .option('--dir <dir>', 'where the demo install directory is written (default ./.demo)')
  .option('--users <n>', 'number of generated users (default 500)')
  .option('--config <file>', 'configuration file (YAML or JSON)')
  .action(demoCommand)

program
  .command('worker')
  .description('run job workers alone, sharing the queue in the service store (API processes: job_workers off)')
  .option('--moodle-dir <dir>', 'Moodle code directory (holds config.php)')
  .option('--state-url <url>', "database URL of the service's own store (default: Moodle's database)")
  .option('--config <file>', 'configuration file (YAML or JSON)')
  .action(workerCommand)

program
  .command('doctor')
  .description('check config.php, the database, versions, directories and PHP; each problem names its fix')
  .option('--moodle-dir <dir>', 'Moodle code directory (holds config.php)')
  .option('--php', 'also boot Moodle with php_binary as php_run_as: PHP version, extensions, dataroot writable')
  .option('--config <file>', 'configuration file (YAML or JSON)')
  .option('--sites <file>', 'sites file (option sites): check its sites')
  .option('--site <id>', 'with a sites file (required there, with --all its alternative): check this site, with its options')
  .option('--all', 'with a sites file: check every site in turn, one table (exit 1 when any site fails)')
  .action(doctorCommand)

program
  .command('openapi')
  .description('print or write the Items API OpenAPI 3.1 document (as served at M/api/openapi.json|yaml), or with --api moopanel the management API\'s (as served at /local/moopanel/server.php/openapi.json|yaml)')
  .option('--api <api>', 'items or moopanel (default items)')
  .option('--format <format>', 'json or yaml (default yaml)')
  .option('--server-url <url>', 'overrides servers[0].url')
  .option('--dry-run', 'build and validate, print the document, write nothing')
  .option('--out <file>', 'file to write (atomically); default standard output')
  .option('--moodle-dir <dir>', 'Moodle code directory (its config.php gives wwwroot)')
  .option('--config <file>', 'configuration file (YAML or JSON)')
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[extra...]')
  .action((extra: string[], flags: object) => openapiCommand(flags, extra))

const moopanel = program.command('moopanel').description('manage the MooPanel API switch and key')
moopanel
  .command('set-key')
  .description('store the fingerprint of the key given on standard input and enable the API')
  .option('--expires <unix|never>', 'expiry of the key (default never)')
  .option('--moodle-dir <dir>', 'Moodle code directory')
  .option('--state-url <url>', "database URL of the service's own store")
  .option('--config <file>', 'configuration file')
  .option('--sites <file>', 'sites file (option sites)')
  .option('--site <id>', "with a sites file (required there): that site's key state")
  .action(setKeyCommand)
for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
  moopanel
    .command(name)
    .description(`${name} the MooPanel API`)
    .option('--moodle-dir <dir>', 'Moodle code directory')
    .option('--state-url <url>', "database URL of the service's own store")
    .option('--config <file>', 'configuration file')
    .option('--sites <file>', 'sites file (option sites)')
    .option('--site <id>', "with a sites file (required there): that site's API switch")
    .action((flags) => switchCommand(flags, enabled))
}

const jobsCommand = program.command('jobs').description("inspect and steer the service's job queue")
const storeOptions = (command: Command) =>
  command
    .option('--moodle-dir <dir>', 'Moodle code directory')
    .option('--state-url <url>', "database URL of the service's own store")
    .option('--config <file>', 'configuration file')
storeOptions(
  jobsCommand
    .command('list')
    .description('the newest jobs first')
    .option('--state <states>', 'only these states (comma-separated: queued, running, retry_wait, reporting, finished)')
    .option('--type <types>', 'only these job types (comma-separated)')
    .option('--limit <n>', 'at most this many (default 50, at most 1000)')
    .option('--json', 'one JSON object per line'),
).action(async (flags) => (await jobs()).jobsListCommand(flags))
storeOptions(jobsCommand.command('show').description("a job: state, attempts, journal steps, callback deliveries").argument('<id>').option('--json', 'as JSON'))
  .action(async (id: string, flags) => (await jobs()).jobsShowCommand(id, flags))
storeOptions(jobsCommand.command('retry').description('run a job that waits to retry (or its callback) now').argument('<id>'))
  .action(async (id: string, flags) => (await jobs()).jobsActionCommand('retry', id, flags))
storeOptions(jobsCommand.command('cancel').description('cancel a job that has not started any step (refused, with the reason, otherwise)').argument('<id>'))
  .action(async (id: string, flags) => (await jobs()).jobsActionCommand('cancel', id, flags))
storeOptions(jobsCommand.command('watch').description('follow a job until its work is done (exit 0 success, 1 failure)').argument('<id>').option('--interval <ms>', 'poll interval (default 500)'))
  .action(async (id: string, flags) => (await jobs()).jobsWatchCommand(id, flags))

const sitesCommand = program.command('sites').description('the sites of the sites file (option sites, docs/sites.md)')
sitesCommand
  .command('list')
  .description("one row per site: id, hosts / prefix, state (ok or broken: config.php, version.php and database probed in turn), Moodle release and version, last error, and with state_url the site's unfinished and last failed job. Exit 0, or 1 when a site is broken (2: wrong use)")
  .option('--json', 'one JSON object per line and site')
  .option('--timeout <s>', "seconds each site's probe may take (default 5)")
  .option('--sites <file>', 'sites file (option sites)')
  .option('--state-url <url>', "database URL of the shared store (for the job columns)")
  .option('--config <file>', 'configuration file')
  .action(sitesListCommand)

await program.parseAsync(process.argv)
