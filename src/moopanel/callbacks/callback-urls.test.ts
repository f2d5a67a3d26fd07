import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CALLBACK_PATHS, type CallbackKind, callbackBaseUrl, callbackContentType, callbackUrl } from './callback-urls.ts'

describe('callbackUrl', () => {
  it('builds every path of §6.2–6.8 with the id as a decimal integer', () => {
    const urls = (Object.keys(CALLBACK_PATHS) as CallbackKind[]).map((kind) => callbackUrl(kind, 'https://moopanel.example', 7))
    assert.deepEqual(urls, [
      'https://moopanel.example/api/backups/courses/7',
      'https://moopanel.example/api/backups/restore/instance/7',
      'https://moopanel.example/api/backups/delete/instance/7',
      'https://moopanel.example/api/updates/core/instance/7',
      'https://moopanel.example/api/updates/plugins/instance/7',
      'https://moopanel.example/api/updates/zip-plugins/instance/7',
      'https://moopanel.example/api/instances/7/admin_preset',
    ])
    assert.equal(callbackUrl('admin_preset', 'http://panel.test:8080', 2_147_483_647), 'http://panel.test:8080/api/instances/2147483647/admin_preset')
  })

  it('removes trailing slashes and keeps a path prefix', () => {
    assert.equal(callbackBaseUrl('https://moopanel.example/'), 'https://moopanel.example')
    assert.equal(callbackBaseUrl('https://moopanel.example/panel///'), 'https://moopanel.example/panel')
    assert.equal(callbackUrl('core_update_finished', 'https://moopanel.example/a/b/', 12), 'https://moopanel.example/a/b/api/updates/core/instance/12')
  })

  it('refuses ids that are not integers in 1..2147483647 and bases with query, fragment or another scheme', () => {
    for (const id of [0, -1, 1.5, Number.NaN, 2_147_483_648]) assert.throws(() => callbackUrl('backup_created', 'https://p.example', id), RangeError)
    for (const base of ['moopanel.example', 'ftp://p.example', 'https://p.example/?x=1', 'https://p.example/#top']) {
      assert.throws(() => callbackBaseUrl(base), RangeError, base)
    }
  })

  it('sends the admin preset as XML and everything else as JSON', () => {
    assert.equal(callbackContentType('admin_preset'), 'application/xml')
    assert.equal(callbackContentType('zip_installs_finished'), 'application/json')
  })
})
