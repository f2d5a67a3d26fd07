// Stand-ins for moodle-bridge's own PHP helpers (php-helpers/*.php), run by ./php for tests on
// machines without PHP. They follow the helpers' documented protocol (php-helpers/README.md): the
// same options, the result as the last stdout line (one JSON object) and the same exit codes
// (0 done, 1 PHP/Moodle failure, 2 usage error, 3 operation failed). Instead of Moodle's code they
// read and write the test site's database named in config.php.
//
// Markers in the dataroot script failures:
//   fake-restore-fail-<courseid>     restore_course: pre-check error (exit 3, precheck_failed)
//   fake-restore-crash-<courseid>    restore_course: Moodle dies (exit 1, "!!! … !!!", no result)
//   fake-export-fail                 export_admin_settings: export_failed (exit 3)
//   fake-export-huge                 export_admin_settings: adds an 11 MiB setting
//   fake-update-check-fail           refresh_update_info: fetch_failed (exit 3)
//   fake-update-response.json        refresh_update_info: stored as recentresponse instead of the built-in one
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** The databases scripts/run-tests.mjs loads are shared by every test: the stand-ins never write to them. */
const SHARED = 'stand-in: the shared fixture database is read-only (use a copy)'
const OK = 0
const USAGE = 2
const FAILED = 3

const HELPERS = {
  restore_course: { options: ['courseid', 'file'], run: restoreCourse },
  export_admin_settings: { options: [], run: exportAdminSettings },
  refresh_update_info: { options: [], run: refreshUpdateInfo },
}

/** Runs the stand-in of `php-helpers/<script>.php`; returns the exit code. */
export async function runFakeHelper(script, args, { out, err }) {
  // Written with a callback and awaited: ./php exits right after, and a large result line would
  // otherwise be cut off in the pipe.
  const result = async (code, value) => {
    await new Promise((resolve) => process.stdout.write(`\n${JSON.stringify(value)}\n`, resolve))
    return code
  }
  const helper = HELPERS[script]
  if (!helper) {
    err(`Could not open input file: ${script}.php`)
    return 1
  }
  const options = {}
  for (const arg of args) {
    const m = /^--([a-z][a-z0-9-]*)=(.*)$/s.exec(arg)
    if (!m || ![...helper.options, 'moodle-dir'].includes(m[1])) {
      return result(USAGE, { ok: false, error: 'usage', message: `Unknown or malformed option: ${arg}` })
    }
    options[m[1]] = m[2]
  }
  const dirroot = options['moodle-dir'] || process.cwd()
  if (!existsSync(join(dirroot, 'config.php'))) {
    return result(USAGE, { ok: false, error: 'usage', message: 'No readable config.php in the Moodle root.' })
  }
  const site = siteOf(dirroot)
  try {
    return await helper.run(options, site, { out, err, result })
  } catch (error) {
    out(`!!! ${error instanceof Error ? error.message : String(error)} !!!`)
    return 1
  }
}

// --- restore_course ------------------------------------------------------------------------------

async function restoreCourse(options, site, { out, result }) {
  if (!/^[1-9]\d{0,17}$/.test(options.courseid ?? '')) return result(USAGE, { ok: false, error: 'usage', message: '--courseid must be a positive integer' })
  if (!options.file) return result(USAGE, { ok: false, error: 'usage', message: '--file is required' })
  const courseId = Number(options.courseid)
  if (!existsSync(options.file)) return result(FAILED, { ok: false, error: 'file_not_found', message: 'Backup file not found.' })
  const course = await site.query('SELECT id FROM {course} WHERE id = ?', [courseId])
  if (course.length === 0) return result(FAILED, { ok: false, error: 'course_not_found', message: 'Course not found.' })
  const manifest = manifestOf(readFileSync(options.file))
  if (manifest === null) return result(FAILED, { ok: false, error: 'extract_failed', message: 'The backup file could not be unpacked.' })
  if (!/<type>course<\/type>/.test(manifest)) return result(FAILED, { ok: false, error: 'not_course_backup', message: 'Not a course backup.' })
  if (existsSync(join(site.dataroot, `fake-restore-crash-${courseId}`))) {
    out('!!! Error reading from database !!!')
    return 1
  }
  if (existsSync(join(site.dataroot, `fake-restore-fail-${courseId}`))) {
    return result(FAILED, { ok: false, error: 'precheck_failed', message: 'stand-in: a fake-restore-fail marker exists' })
  }
  if (site.shared) return result(FAILED, { ok: false, error: 'restore_failed', message: SHARED })
  // What a restore visibly does to the course row: Moodle rewrites it.
  await site.query('UPDATE {course} SET timemodified = ? WHERE id = ?', [Math.floor(Date.now() / 1000), courseId])
  return result(OK, { ok: true, courseid: courseId, warnings: [] })
}

/** moodle_backup.xml of a .mbz given as a gzip-compressed tar (the stand-in reads no ZIP .mbz); null otherwise. */
function manifestOf(bytes) {
  let tar
  try {
    tar = gunzipSync(bytes)
  } catch {
    return null
  }
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512)
    if (header.every((b) => b === 0)) return null
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '')
    const prefix = header.toString('utf8', 345, 500).replace(/\0.*$/s, '')
    const size = parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8)
    const path = (prefix ? `${prefix}/${name}` : name).replace(/^\.\//, '')
    if (path === 'moodle_backup.xml') return tar.toString('utf8', at + 512, at + 512 + size)
    at += 512 + Math.ceil(size / 512) * 512
  }
  return null
}

// --- export_admin_settings -----------------------------------------------------------------------

/** Core rows that hold state, not settings (moodle.md §10.1): never exported. */
const NOT_SETTINGS = new Set(['version', 'release', 'branch', 'allversionshash', 'siteidentifier', 'siteadmins', 'themerev', 'jsrev', 'upgraderunning', 'localcachedirpurged', 'scheduledtaskreset', 'fileslastcleanup', 'digestmailtimelast'])

async function exportAdminSettings(_options, site, { result }) {
  if (existsSync(join(site.dataroot, 'fake-export-fail'))) return result(FAILED, { ok: false, error: 'export_failed', message: 'stand-in: a fake-export-fail marker exists' })
  const core = await site.query('SELECT name, value FROM {config} ORDER BY id', [])
  const plugins = await site.query("SELECT plugin, name, value FROM {config_plugins} WHERE name <> 'version' ORDER BY id", [])
  const rows = [
    ...core.filter((r) => !NOT_SETTINGS.has(r.name)).map((r) => ({ plugin: 'none', name: r.name, value: r.value })),
    ...plugins.map((r) => ({ plugin: r.plugin, name: r.name, value: r.value })),
  ]
  // Companion rows become attributes of their setting, as the admin-preset setting classes do.
  const byKey = new Map(rows.map((r) => [`${r.plugin}/${r.name}`, r]))
  const companion = (r) => /^(.*)_(adv|locked|flag)$/.exec(r.name)?.[1]
  const settings = []
  for (const r of rows) {
    const base = companion(r)
    if (base !== undefined && byKey.has(`${r.plugin}/${base}`)) continue
    const attributes = {}
    for (const suffix of ['adv', 'locked', 'flag']) {
      const extra = byKey.get(`${r.plugin}/${r.name}_${suffix}`)
      if (extra) attributes[extra.name] = extra.value
    }
    settings.push({ plugin: r.plugin, name: r.name, value: r.value, attributes })
  }
  const [front] = await site.query('SELECT fullname, shortname, summary FROM {course} WHERE category = 0 ORDER BY id', [])
  for (const name of ['fullname', 'shortname', 'summary']) settings.push({ plugin: 'none', name, value: front?.[name] ?? '', attributes: {} })
  if (existsSync(join(site.dataroot, 'fake-export-huge'))) settings.push({ plugin: 'local_huge', name: 'blob', value: 'x'.repeat(11 * 1024 * 1024), attributes: {} })

  const states = {}
  const put = (type, name, state) => ((states[type] ??= {})[name] = String(state))
  for (const m of await site.query('SELECT name, visible FROM {modules} ORDER BY name', [])) put('mod', m.name, Number(m.visible) === 1 ? 1 : 0)
  for (const b of await site.query('SELECT name, visible FROM {block} ORDER BY name', [])) put('block', b.name, Number(b.visible) === 1 ? 1 : 0)
  const coreValue = (name) => core.find((r) => r.name === name)?.value ?? ''
  for (const name of coreValue('auth').split(',').filter(Boolean)) put('auth', name, 1)
  for (const name of ['manual', 'nologin']) put('auth', name, 1)
  for (const name of coreValue('enrol_plugins_enabled').split(',').filter(Boolean)) put('enrol', name, 1)
  const sensible = plugins.find((r) => r.plugin === 'adminpresets' && r.name === 'sensiblesettings')?.value ?? ''
  return result(OK, {
    ok: true,
    settings,
    frontpage: { fullname: front?.fullname ?? '', shortname: front?.shortname ?? '', summary: front?.summary ?? null },
    plugins: states,
    sensiblesettings: sensible.replace(/ /g, '').split(',').filter(Boolean),
  })
}

// --- refresh_update_info -------------------------------------------------------------------------

async function refreshUpdateInfo(_options, site, { result }) {
  if (existsSync(join(site.dataroot, 'fake-update-check-fail'))) {
    return result(FAILED, { ok: false, error: 'fetch_failed', message: 'err_response_http_code: 503' })
  }
  if (site.shared) return result(FAILED, { ok: false, error: 'fetch_failed', message: SHARED })
  const now = Math.floor(Date.now() / 1000)
  const custom = join(site.dataroot, 'fake-update-response.json')
  const response = existsSync(custom) ? readFileSync(custom, 'utf8').trim() : builtInResponse(now)
  // \core\update\checker::store_response(): set_config() of both values, no config_log row.
  for (const [name, value] of [['recentfetch', String(now)], ['recentresponse', response]]) {
    const updated = await site.query("UPDATE {config_plugins} SET value = ? WHERE plugin = 'core_plugin' AND name = ?", [value, name], 'count')
    if (updated === 0) await site.query("INSERT INTO {config_plugins} (plugin, name, value) VALUES ('core_plugin', ?, ?)", [name, value])
  }
  return result(OK, { ok: true, recentfetch: now })
}

/** A successful update-server answer, API 1.3, in the fixture's shape (moodle.md §3.2). */
function builtInResponse(now) {
  const updates = {
    core: [{ version: 2024100707.01, release: '4.5.7+ (Build: 20251010)', branch: '4.5', maturity: 200, url: 'https://download.moodle.org', download: 'https://download.moodle.org/download.php/direct/stable405/moodle-latest-405.zip' }],
    block_xp: [{ version: 2025100502, release: '19.2', maturity: 200, url: 'https://moodle.org/plugins/pluginversion.php?id=40999', download: 'https://moodle.org/plugins/download.php/40999/block_xp_moodle45_2025100502.zip', downloadmd5: '0123456789abcdef0123456789abcdef' }],
  }
  const json = JSON.stringify({ status: 'OK', provider: 'https://download.moodle.org/api/1.3/updates.php', apiver: '1.3', timegenerated: now - 1, forbranch: '4.5', forversion: '2024100706.00', ticket: 'fake-ticket', updates })
  // PHP's json_encode escapes slashes.
  return json.replaceAll('/', '\\/')
}

// --- the test site's database --------------------------------------------------------------------

/** The site of config.php: dataroot and a query function (`{table}` gets the prefix; `?` placeholders). */
function siteOf(dirroot) {
  const config = readFileSync(join(dirroot, 'config.php'), 'utf8')
  const cfg = (name) => new RegExp(`\\$CFG->${name}\\s*=\\s*'([^']*)'`).exec(config)?.[1] ?? ''
  const port = Number(/'dbport'\s*=>\s*(\d+)/.exec(config)?.[1] ?? 0) || undefined
  const require = createRequire(new URL('../../../package.json', import.meta.url))
  const connection = { host: cfg('dbhost'), port, database: cfg('dbname'), user: cfg('dbuser'), password: cfg('dbpass') }
  const prefixed = (sql) => sql.replace(/\{(\w+)\}/g, (_, t) => `${cfg('prefix')}${t}`)
  return {
    dataroot: cfg('dataroot') || join(dirroot, '..', 'moodledata'),
    shared: /^moodle_(pg|mariadb)$/.test(cfg('dbname')),
    async query(sql, params, mode = 'rows') {
      if (cfg('dbtype') === 'pgsql') {
        const pg = require('pg')
        const client = new pg.Client(connection)
        await client.connect()
        try {
          let n = 0
          const r = await client.query(prefixed(sql).replace(/\?/g, () => `$${++n}`), params)
          return mode === 'count' ? r.rowCount : r.rows
        } finally {
          await client.end()
        }
      }
      const mysql = require('mysql2/promise')
      const conn = await mysql.createConnection(connection)
      try {
        const [r] = await conn.query(prefixed(sql), params)
        return mode === 'count' ? r.affectedRows : r
      } finally {
        await conn.end()
      }
    },
  }
}
