import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseConfig } from '../config/index.ts'
import { SiteResolver } from './resolve-site.ts'
import { parseSitesFile } from './sites-file.ts'

const base = parseConfig({ api_key: 'k'.repeat(40) })
const plan = parseSitesFile(
  [
    'sites:',
    '  - { id: a, moodle_dir: /srv/a, hosts: [a.example.org] }',
    '  - { id: shared-x, moodle_dir: /srv/x, hosts: [lms.example.org], path_prefix: /x }',
    '  - { id: shared-xy, moodle_dir: /srv/xy, hosts: [lms.example.org], path_prefix: /x/y }',
    '  - { id: ported, moodle_dir: /srv/p, hosts: ["p.example.org:8443"] }',
    '  - { id: anyhost, moodle_dir: /srv/any, path_prefix: /any }',
    '  - { id: v6, moodle_dir: /srv/v6, hosts: ["[2001:db8::1]"] }',
  ].join('\n'),
  'sites.yaml',
  base,
)
const resolver = new SiteResolver(plan)
const at = (host: string | undefined, path: string, forwardedHost?: string, fromTrustedProxy = false) => {
  const r = resolver.resolve({ host, path, forwardedHost, fromTrustedProxy })
  return r ? [r.site.id, r.path] : null
}

describe('SiteResolver', () => {
  it('routes by host (case, trailing dot and port aside) and by the longest prefix on segment boundaries', () => {
    assert.deepEqual(at('a.example.org', '/local/moopanel/server.php/'), ['a', '/local/moopanel/server.php/'])
    assert.deepEqual(at('A.Example.Org.:443', '/x'), ['a', '/x'])
    assert.deepEqual(at('lms.example.org', '/x/local/middag/index.php'), ['shared-x', '/local/middag/index.php'])
    assert.deepEqual(at('lms.example.org', '/x/y/local'), ['shared-xy', '/local'])
    assert.deepEqual(at('lms.example.org', '/x/yz/local'), ['shared-x', '/yz/local'])
    assert.deepEqual(at('lms.example.org', '/x'), ['shared-x', '/'])
    assert.equal(at('lms.example.org', '/xy'), null)
    assert.deepEqual(at('p.example.org:8443', '/'), ['ported', '/'])
    assert.equal(at('p.example.org:9000', '/'), null)
    assert.deepEqual(at('[2001:db8::1]:8080', '/a'), ['v6', '/a'])
  })

  it('falls back to sites without hosts, and answers null for an unknown host', () => {
    assert.deepEqual(at('unknown.example.org', '/any/x'), ['anyhost', '/x'])
    assert.deepEqual(at('a.example.org', '/any/x'), ['a', '/any/x'])
    assert.equal(at('unknown.example.org', '/other'), null)
    assert.equal(at(undefined, '/other'), null)
    assert.deepEqual(at(undefined, '/any'), ['anyhost', '/'])
  })

  it('uses X-Forwarded-Host (its first value) only from a trusted proxy', () => {
    assert.deepEqual(at('proxy.internal', '/', 'a.example.org, proxy.internal', true), ['a', '/'])
    assert.equal(at('proxy.internal', '/', 'a.example.org', false), null)
  })
})
