/**
 * Operators' commands for a sites file (issue #8 point 5), as real subprocesses of bin/moodle-bridge:
 * `sites list` (table and --json; ok and broken sites; jobs from the shared store), `doctor --site`
 * and `doctor --all`, and `--site` on `moopanel set-key|enable|disable` (acting on that site's view of
 * the shared store only); a missing or unknown `--site` is a usage error naming the ids, exit 2.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { claimNextJob, enqueueJobs, failJob } from '../src/jobs/index.ts'
import { createDialect, resolveDatabaseUrl } from '../src/moodle/index.ts'
import { KeyState } from '../src/moopanel/index.ts'
import { openStore, type Store } from '../src/store/index.ts'
import { createScratchPgDatabase } from './support/start-fixture-service.ts'
import { createPgCopy, testEnv, type DbCopy } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')
const KEY_A = 'sites-cli-key-of-a-0123456789abcdefghijklmnopqrstuvwxyz'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(args: string[], env: Record<string, string> = {}, input = ''): Promise<Run> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, MOODLE_BRIDGE_LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.end(input)
    child.on('close', (code) => res({ code, stdout, stderr }))
  })
}

function assertNoStack(r: Run): void {
  assert.ok(!/\n\s+at /.test(r.stdout + r.stderr), `no stack trace:\n${r.stdout}${r.stderr}`)
}

async function renameSite(copy: DbCopy, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: copy.url })
  await client.connect()
  try {
    await client.query('UPDATE mdl_course SET fullname = $1 WHERE id = 1', [name])
  } finally {
    await client.end()
  }
}

describe('operators\' commands for a sites file', { concurrency: 1 }, () => {
  const env = testEnv()
  const dir = mkdtempSync(join(env.tmpDir, 'sites-cli-'))
  const sitesFile = join(dir, 'sites.yaml')
  const copies: DbCopy[] = []
  let state: { url: string; drop: () => Promise<void> }
  let shared: Store
  let withSites: Record<string, string>
  const password = decodeURIComponent(new URL(env.pgUrl).password)
  let failedId = 0
  let bJobs: unknown

  before(async () => {
    const a = await createPgCopy('sites_cli_a')
    copies.push(a)
    const b = await createPgCopy('sites_cli_b')
    copies.push(b)
    await renameSite(a, 'Site A')
    await renameSite(b, 'Site B')
    state = await createScratchPgDatabase(`sites_cli_state_${process.pid}`)
    writeFileSync(
      sitesFile,
      'sites:\n' +
        `  - { id: a, moodle_dir: ${env.moodleDirPg}, hosts: [a.example.org], options: { db_name: ${a.name} } }\n` +
        `  - { id: b, moodle_dir: ${env.moodleDirPg}, hosts: [lms.example.org], path_prefix: /b, options: { db_name: ${b.name} } }\n` +
        `  - { id: broken, moodle_dir: ${env.moodleDirPg}, hosts: [broken.example.org], options: { db_name: no_such_database } }\n`,
    )
    withSites = { MOODLE_BRIDGE_SITES: sitesFile, MOODLE_BRIDGE_STATE_URL: state.url }
    const target = await resolveDatabaseUrl(state.url, 2)
    shared = await openStore({ dialect: createDialect(target), family: 'postgres', prefix: 'mb_', ownsConnection: true })
  })

  after(async () => {
    await shared?.close()
    await state?.drop()
    for (const copy of copies) await copy.drop()
  })

  it('sites list: one row per site, ok and broken with its reason, exit 1 for the broken one', async () => {
    const r = await run(['sites', 'list'], { MOODLE_BRIDGE_SITES: sitesFile })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assertNoStack(r)
    const lines = r.stdout.split('\n')
    assert.match(lines[0]!, /^ID +REACHED AT +STATE +RELEASE +VERSION +UNFINISHED +LAST FAILED JOB +LAST ERROR$/)
    assert.match(lines.find((l) => l.startsWith('a '))!, /^a +a\.example\.org +ok +\S.* +\d{10}(\.\d+)? +— +— +—$/)
    assert.match(lines.find((l) => l.startsWith('b '))!, /^b +lms\.example\.org\/b +ok /)
    assert.match(lines.find((l) => l.startsWith('broken '))!, /^broken +broken\.example\.org +broken .*database: .*no_such_database/)
    assert.match(r.stdout, /\n3 sites, 1 broken\n$/)
    if (password) assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), 'no password in the output')
  })

  it('sites list --json: one object per site, with unfinished and last failed jobs from the shared store', async () => {
    const site = shared.forSite('a')
    const now = Date.now()
    await enqueueJobs(site, [{ type: 'cli_test_fails', payload: {}, moodleChanging: false, maxAttempts: 1 }], { nowMs: now })
    const claimed = await claimNextJob(site, 'sites-cli-test', { nowMs: now, leaseMs: 60_000, types: ['cli_test_fails'], allowMoodleChanging: false })
    assert.ok(claimed, 'the job is claimed')
    assert.equal(await failJob(site, claimed, { summary: 'Failed on purpose.\nSecond line.', nowMs: now + 1 }), true)
    await enqueueJobs(site, [{ type: 'cli_test_waits', payload: {}, moodleChanging: false, maxAttempts: 1, runAfterMs: now + 3_600_000 }], { nowMs: now })

    const r = await run(['sites', 'list', '--json'], withSites)
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.equal(r.stderr, '')
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>)
    assert.deepEqual(rows.map((s) => [s.id, s.state]), [['a', 'ok'], ['b', 'ok'], ['broken', 'broken']])
    const [a, b, broken] = rows as [Record<string, any>, Record<string, any>, Record<string, any>]
    assert.deepEqual(a.hosts, ['a.example.org'])
    assert.equal(a.path_prefix, null)
    assert.equal(b.path_prefix, '/b')
    assert.match(a.version, /^\d{10}(\.\d+)?$/)
    assert.equal(typeof a.release, 'string')
    assert.equal(a.error, null)
    assert.match(broken.error, /no_such_database/)
    assert.equal(a.jobs.unfinished, 1)
    assert.equal(a.jobs.last_failed.id, claimed.id)
    assert.equal(a.jobs.last_failed.type, 'cli_test_fails')
    assert.equal(a.jobs.last_failed.summary, 'Failed on purpose. Second line.')
    assert.equal(typeof b.jobs.unfinished, 'number')
    assert.equal(broken.jobs === null || typeof broken.jobs.unfinished === 'number', true)
    failedId = claimed.id
    bJobs = b.jobs

    const table = await run(['sites', 'list'], withSites)
    assert.match(table.stdout.split('\n').find((l) => l.startsWith('a '))!, new RegExp(` ok .* 1 +${claimed.id} cli_test_fails \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +—$`))
  })

  it("sites list: site b's row shows none of site a's jobs", () => {
    assert.ok(failedId > 0, 'the --json test ran first')
    assert.deepEqual(bJobs, { unfinished: 0, last_failed: null }, "site a's jobs are not site b's")
  })

  it('doctor --site: that site\'s checks with its options, as single-site doctor prints them', async () => {
    const viaSite = await run(['doctor', '--site', 'a'], withSites)
    const single = await run(['doctor', '--moodle-dir', env.moodleDirPg], { MOODLE_BRIDGE_DB_NAME: copies[0]!.name })
    assert.equal(viaSite.code, single.code, viaSite.stdout + viaSite.stderr)
    assert.equal(viaSite.stdout, single.stdout)
    assert.match(viaSite.stdout, /^ ok   database connection /m)
    const broken = await run(['doctor', '--site', 'broken'], withSites)
    assert.equal(broken.code, 1)
    assert.match(broken.stdout, /^FAIL  database connection .*no_such_database/m)
    assertNoStack(broken)
  })

  it('doctor --all: one table of every site, the failing checks with their fixes, exit 1', async () => {
    const r = await run(['doctor', '--all'], withSites)
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assertNoStack(r)
    const lines = r.stdout.split('\n')
    assert.match(lines[0]!, /^SITE +STATUS +CHECK +DETAIL$/)
    for (const id of ['a', 'b']) {
      const rows = lines.filter((l) => l.startsWith(`${id} `))
      assert.ok(rows.length >= 1, r.stdout)
      assert.ok(rows.every((l) => !/ FAIL /.test(l)), r.stdout)
    }
    const at = lines.findIndex((l) => /^broken +FAIL +database connection +.*no_such_database/.test(l))
    assert.ok(at > 0, r.stdout)
    assert.match(lines[at + 1]!, /^ {10,}fix: .*db_name \/ MOODLE_BRIDGE_DB_NAME/)
    assert.match(r.stdout, /\n2 of 3 sites pass; failing: broken\n$/)
  })

  it('moopanel set-key / disable / enable --site act on that site\'s key state only', async () => {
    const set = await run(['moopanel', 'set-key', '--site', 'a'], withSites, `${KEY_A}\n`)
    assert.equal(set.code, 0, set.stdout + set.stderr)
    assert.match(set.stdout, /for site a/)
    const keysOf = async (id: string) => {
      const keys = new KeyState(shared.forSite(id))
      await keys.applyConfig({})
      return keys
    }
    assert.equal((await keysOf('a')).matches(Buffer.from(KEY_A)), true)
    assert.equal((await keysOf('a')).apiEnabled, true)
    assert.equal((await keysOf('b')).matches(Buffer.from(KEY_A)), false, "a's key is not b's")
    assert.equal((await keysOf('b')).apiEnabled, false)

    const off = await run(['moopanel', 'disable', '--site', 'a'], withSites)
    assert.equal(off.code, 0, off.stderr)
    assert.equal(off.stdout, 'MooPanel API disabled for site a\n')
    assert.equal((await keysOf('a')).apiEnabled, false)
    const on = await run(['moopanel', 'enable', '--site', 'b'], { ...withSites })
    assert.equal(on.code, 0, on.stderr)
    assert.equal((await keysOf('a')).apiEnabled, false, 'enabling b leaves a disabled')
    assert.equal((await run(['moopanel', 'enable', '--site', 'a', '--sites', sitesFile, '--state-url', state.url])).code, 0, 'the flags work as the environment')
    assert.equal((await keysOf('a')).apiEnabled, true)
  })

  it('a missing or unknown --site, or --site without a sites file, is a usage error (exit 2) naming the ids', async () => {
    const missing = await run(['moopanel', 'disable'], withSites)
    assert.equal(missing.code, 2)
    assert.equal(missing.stderr, 'moodle-bridge: a sites file is configured: moopanel disable needs --site ID (sites: a, b, broken)\n')
    const unknown = await run(['moopanel', 'set-key', '--site', 'nope'], withSites, `${KEY_A}\n`)
    assert.equal(unknown.code, 2)
    assert.equal(unknown.stderr, 'moodle-bridge: unknown site "nope": the sites file has no such id (sites: a, b, broken)\n')
    const doctorMissing = await run(['doctor'], withSites)
    assert.equal(doctorMissing.code, 2)
    assert.match(doctorMissing.stderr, /needs --site ID \(sites: a, b, broken\)/)
    assert.equal((await run(['doctor', '--site', 'nope'], withSites)).code, 2)
    assert.equal((await run(['doctor', '--site', 'a', '--all'], withSites)).code, 2)
    const noState = await run(['moopanel', 'enable', '--site', 'a'], { MOODLE_BRIDGE_SITES: sitesFile })
    assert.equal(noState.code, 2)
    assert.match(noState.stderr, /needs state_url/)
    for (const args of [['moopanel', 'enable', '--site', 'a', '--moodle-dir', env.moodleDirPg], ['doctor', '--site', 'a', '--moodle-dir', env.moodleDirPg]]) {
      const single = await run(args)
      assert.equal(single.code, 2, single.stdout + single.stderr)
      assert.match(single.stderr, /^moodle-bridge: --site needs a sites file .*no sites file is configured\n$/)
    }
    for (const args of [['sites', 'list'], ['doctor', '--all']]) {
      const none = await run(args, { MOODLE_BRIDGE_MOODLE_DIR: env.moodleDirPg })
      assert.equal(none.code, 2, none.stdout + none.stderr)
      assert.match(none.stderr, /needs a sites file/)
    }
    const badFile = join(dir, 'bad.yaml')
    writeFileSync(badFile, 'sites:\n  - { id: a, moodle_dir: relative }\n')
    const bad = await run(['sites', 'list'], { MOODLE_BRIDGE_SITES: badFile })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^moodle-bridge: .*bad\.yaml: invalid sites file\n {2}site "a": /)
    for (const r of [missing, unknown, doctorMissing, noState, bad]) assertNoStack(r)
  })
})
