import assert from 'node:assert/strict'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../config/index.ts'
import type { SitesChange } from './diff-sites.ts'
import { SitesFileError } from './sites-file.ts'
import { watchSitesFile } from './watch-sites-file.ts'

const base = parseConfig({ api_key: 'k'.repeat(40) })
const dir = mkdtempSync(join(tmpdir(), 'mb-sites-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const site = (id: string, extra = '') => `  - { id: ${id}, moodle_dir: /srv/${id}, hosts: [${id}.example.org]${extra} }\n`

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe('watchSitesFile', () => {
  it('applies a changed file (written in place or renamed into place), refuses an invalid one and keeps the plan in force', async () => {
    const path = join(dir, 'sites.yaml')
    writeFileSync(path, `sites:\n${site('a')}${site('b')}`)
    const changes: SitesChange[] = []
    const refusals: string[] = []
    const watch = await watchSitesFile({ path, base, settleMs: 50, signal: null, onPlan: (_plan, change) => void changes.push(change), onRefused: (r) => refusals.push(r) })
    try {
      assert.deepEqual(watch.current().sites.map((s) => s.id), ['a', 'b'])
      // Changed in place: b gets an option, c is added, a is removed.
      writeFileSync(path, `sites:\n${site('b', ', options: { api_enabled: false }')}${site('c')}`)
      await until(() => changes.length === 1, 'the first change')
      assert.deepEqual(
        { added: changes[0]!.added.map((s) => s.id), removed: changes[0]!.removed.map((s) => s.id), changed: changes[0]!.changed.map((c) => c.after.id), unchanged: changes[0]!.unchanged.map((s) => s.id) },
        { added: ['c'], removed: ['a'], changed: ['b'], unchanged: [] },
      )
      assert.deepEqual(watch.current().sites.map((s) => s.id), ['b', 'c'])
      // An invalid file is refused with its reason; the plan in force stays.
      writeFileSync(path, `sites:\n${site('b')}${site('b')}`)
      await until(() => refusals.length === 1, 'the refusal')
      assert.match(refusals[0]!, /site "b": the id is used twice/)
      assert.deepEqual(watch.current().sites.map((s) => s.id), ['b', 'c'])
      // Renamed into place, as editors and config management do.
      writeFileSync(join(dir, 'sites.yaml.tmp'), `sites:\n${site('c')}`)
      renameSync(join(dir, 'sites.yaml.tmp'), path)
      await until(() => changes.length === 2, 'the renamed file')
      assert.deepEqual(changes[1]!.removed.map((s) => s.id), ['b'])
      assert.deepEqual(watch.current().sites.map((s) => s.id), ['c'])
      // A file event without a change of content reports nothing.
      writeFileSync(path, `sites:\n${site('c')}`)
      await sleep(300)
      assert.equal(changes.length, 2)
    } finally {
      watch.stop()
    }
  })

  it('reloads on SIGHUP, and a removed file is a refusal, not a crash', async () => {
    const path = join(dir, 'hup.yaml')
    writeFileSync(path, `sites:\n${site('a')}`)
    const changes: SitesChange[] = []
    const refusals: string[] = []
    const watch = await watchSitesFile({ path: path, base, settleMs: 10_000, onPlan: (_p, c) => void changes.push(c), onRefused: (r) => refusals.push(r) })
    try {
      writeFileSync(path, `sites:\n${site('a')}${site('z')}`)
      process.kill(process.pid, 'SIGHUP')
      await until(() => changes.length === 1, 'the SIGHUP reload')
      assert.deepEqual(changes[0]!.added.map((s) => s.id), ['z'])
      rmSync(path)
      assert.equal(await watch.reload(), false)
      assert.match(refusals.at(-1)!, /cannot read sites file .*hup\.yaml: ENOENT/)
      assert.deepEqual(watch.current().sites.map((s) => s.id), ['a', 'z'])
    } finally {
      watch.stop()
    }
  })

  it('refuses to start on an unusable file', async () => {
    const path = join(dir, 'bad.yaml')
    writeFileSync(path, 'sites: nope\n')
    await assert.rejects(watchSitesFile({ path, base, onPlan: () => undefined, onRefused: () => undefined }), SitesFileError)
    await assert.rejects(watchSitesFile({ path: join(dir, 'missing.yaml'), base, onPlan: () => undefined, onRefused: () => undefined }), /ENOENT/)
  })
})
