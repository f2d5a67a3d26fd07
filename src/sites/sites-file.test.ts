import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseConfig } from '../config/index.ts'
import { parseSitesFile, SitesFileError } from './sites-file.ts'

const KEY = 'k'.repeat(40)
const base = parseConfig({ moodle_dir: '/srv/moodle', api_key: KEY, ip_allowlist: '10.0.0.0/8' })

function refused(text: string, ...patterns: RegExp[]): string {
  let message = ''
  assert.throws(() => parseSitesFile(text, 'sites.yaml', base), (error: Error) => {
    assert.ok(error instanceof SitesFileError, String(error))
    message = error.message
    return true
  })
  for (const p of patterns) assert.match(message, p)
  return message
}

describe('parseSitesFile', () => {
  it('merges each site over the process configuration, validating its options with the same schemas', () => {
    const plan = parseSitesFile(
      [
        'sites:',
        '  - id: school-a',
        '    moodle_dir: /srv/a',
        '    hosts: [A.example.org, "a2.example.org."]',
        '  - id: school-b',
        '    moodle_dir: /srv/b',
        '    hosts: [lms.example.org]',
        '    path_prefix: /b/',
        '    options: { api_key: "' + 'b'.repeat(40) + '", ip_allowlist: "192.0.2.0/24", mdg_core_api_enabled: "yes" }',
      ].join('\n'),
      'sites.yaml',
      base,
    )
    assert.deepEqual(plan.sites.map((s) => [s.id, s.moodleDir, s.hosts, s.pathPrefix, s.overridden]), [
      ['school-a', '/srv/a', ['a.example.org', 'a2.example.org'], null, []],
      ['school-b', '/srv/b', ['lms.example.org'], '/b', ['api_key', 'ip_allowlist', 'mdg_core_api_enabled']],
    ])
    const [a, b] = plan.sites
    assert.equal(a!.config.moodle_dir, '/srv/a')
    assert.equal(a!.config.api_key, KEY)
    assert.deepEqual(a!.config.ip_allowlist, ['10.0.0.0/8'])
    assert.equal(b!.config.api_key, 'b'.repeat(40))
    assert.deepEqual(b!.config.ip_allowlist, ['192.0.2.0/24'])
    assert.equal(b!.config.mdg_core_api_enabled, true)
    // Everything not overridden is the process's value, parsed the same way.
    const { moodle_dir: _a, ...restA } = a!.config
    const { moodle_dir: _b, ...restBase } = base
    assert.deepEqual(restA, restBase)
  })

  it('reads JSON as well', () => {
    const plan = parseSitesFile(JSON.stringify({ sites: [{ id: 'x', moodle_dir: '/srv/x', path_prefix: '/x' }] }), 'sites.json', base)
    assert.equal(plan.sites[0]!.pathPrefix, '/x')
    assert.deepEqual(plan.sites[0]!.hosts, [])
  })

  it('lists every problem by site, never an option value', () => {
    const secret = 'short-secret'
    const message = refused(
      [
        'sites:',
        '  - id: Bad Id',
        '    moodle_dir: relative/dir',
        '  - id: ok',
        '    moodle_dir: /srv/ok',
        '    hosts: ["not a host"]',
        '    options: { port: 1, nope: 1, api_key: ' + secret + ' }',
        '  - id: ok2',
        '    moodle_dir: /srv/ok2',
        '  - id: ok3',
        '    moodle_dir: /srv/ok3',
        '    path_prefix: /../x',
        '    extra: 1',
      ].join('\n'),
      /^sites\.yaml: invalid sites file\n/,
      /site "Bad Id": id: must be 1–63 characters/,
      /site "Bad Id": moodle_dir: must be an absolute path/,
      /site "ok": hosts: "not a host" is not a host name/,
      /site "ok": options\.port: belongs to the process, not to a site/,
      /site "ok": options\.nope: unknown option/,
      /site "ok": options: api_key \(MOODLE_BRIDGE_API_KEY\): too short/,
      /site "ok2": needs hosts, path_prefix or both/,
      /site "ok3": entry: Unrecognized key.*extra|site "ok3": .*extra/,
    )
    assert.ok(!message.includes(secret), message)
  })

  it('refuses two sites that would answer the same request, and a used id', () => {
    refused(
      [
        'sites:',
        '  - { id: a, moodle_dir: /srv/a, hosts: [x.example.org] }',
        '  - { id: b, moodle_dir: /srv/b, hosts: [X.example.org] }',
        '  - { id: c, moodle_dir: /srv/c, path_prefix: /c }',
        '  - { id: d, moodle_dir: /srv/d, path_prefix: /c/ }',
        '  - { id: a, moodle_dir: /srv/e, hosts: [e.example.org] }',
      ].join('\n'),
      /site "b": x\.example\.org is already site "a"/,
      /site "d": any host\/c is already site "c"/,
      /site "a": the id is used twice/,
    )
  })

  it('refuses files that are not a list of sites, with the line of a YAML error', () => {
    refused('sites: [', /not valid YAML or JSON at line \d+/)
    refused('sites: []', /sites: must list at least one site/)
    refused('other: 1\nsites: [{id: a, moodle_dir: /a, hosts: [a]}]', /Unrecognized key/)
    refused('sites:\n  - id: a\n    id: b\n', /not valid YAML or JSON/)
  })
})
