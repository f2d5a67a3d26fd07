import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkDownloadUrl, hostAllowed, normaliseHost } from './url-policy.ts'

const MOODLE = ['moodle.org', '*.moodle.org']

describe('hostAllowed', () => {
  it('matches exact names case-insensitively', () => {
    assert.equal(hostAllowed('moodle.org', MOODLE), true)
    assert.equal(hostAllowed('MOODLE.org', MOODLE), true)
    assert.equal(hostAllowed('moodle.org', ['MoOdLe.OrG']), true)
    assert.equal(hostAllowed('moodle.org.', MOODLE), true)
    assert.equal(hostAllowed('moodle.com', MOODLE), false)
  })

  it('lets *.moodle.org match sub-domains only', () => {
    const wildcard = ['*.moodle.org']
    assert.equal(hostAllowed('download.moodle.org', wildcard), true)
    assert.equal(hostAllowed('a.b.moodle.org', wildcard), true)
    assert.equal(hostAllowed('moodle.org', wildcard), false)
    assert.equal(hostAllowed('evilmoodle.org', wildcard), false)
    assert.equal(hostAllowed('moodle.org.evil.com', wildcard), false)
    assert.equal(hostAllowed('download.moodle.org.evil.com', wildcard), false)
    assert.equal(hostAllowed('.moodle.org', wildcard), false)
  })

  it('normalises IDNA names to punycode on both sides', () => {
    assert.equal(normaliseHost('Bücher.example'), 'xn--bcher-kva.example')
    assert.equal(hostAllowed(new URL('https://bücher.example/').hostname, ['BÜCHER.example']), true)
    assert.equal(hostAllowed('xn--bcher-kva.example', ['*.example']), true)
    assert.equal(hostAllowed(new URL('https://dl.bücher.example/').hostname, ['*.bücher.example']), true)
  })

  it('matches IP literals only when listed exactly', () => {
    assert.equal(hostAllowed('127.0.0.1', MOODLE), false)
    assert.equal(hostAllowed('127.0.0.1', ['*.0.0.1']), false)
    assert.equal(hostAllowed('127.0.0.1', ['127.0.0.1']), true)
    assert.equal(hostAllowed('127.0.0.1', ['127.1']), true)
    assert.equal(hostAllowed('[::1]', ['::1']), true)
    assert.equal(hostAllowed('[::1]', ['[::1]']), true)
    assert.equal(hostAllowed('[::1]', ['*.moodle.org']), false)
  })

  it('ignores patterns that are not host names', () => {
    for (const pattern of ['*', '*.', '', 'moodle.org:443', 'user@moodle.org', 'moodle.org/path', '*moodle.org', 'a.*.moodle.org']) {
      assert.equal(hostAllowed('moodle.org', [pattern]), false, pattern)
      assert.equal(hostAllowed('download.moodle.org', [pattern]), false, pattern)
    }
  })
})

describe('checkDownloadUrl', () => {
  const policy = { allowedHosts: MOODLE, allowHttp: false }
  const refused = (url: string, p = policy) => assert.throws(() => checkDownloadUrl(url, p), { code: 'download_url_not_allowed' }, url)

  it('accepts https URLs on allowed hosts, any port', () => {
    assert.equal(checkDownloadUrl('https://download.moodle.org/download.php/x.zip', policy).hostname, 'download.moodle.org')
    assert.equal(checkDownloadUrl('https://moodle.org:8443/x.zip', policy).port, '8443')
  })

  it('refuses http unless allowed, and other schemes always', () => {
    refused('http://download.moodle.org/x.zip')
    assert.equal(checkDownloadUrl('http://download.moodle.org/x.zip', { ...policy, allowHttp: true }).protocol, 'http:')
    refused('ftp://download.moodle.org/x.zip', { ...policy, allowHttp: true })
    refused('file:///etc/passwd', { ...policy, allowHttp: true })
    refused('data:application/zip;base64,UEsFBg==')
  })

  it('refuses credentials and never echoes the URL', () => {
    assert.throws(() => checkDownloadUrl('https://user:s3cret@download.moodle.org/x.zip', policy), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'download_url_not_allowed')
      assert.doesNotMatch(error.message, /s3cret|user/)
      return true
    })
    refused('https://user@download.moodle.org/x.zip')
  })

  it('refuses other hosts, lookalikes and IP literals', () => {
    refused('https://evil.example/x.zip')
    refused('https://download.moodle.org.evil.example/x.zip')
    refused('https://moodle.org@evil.example/x.zip')
    refused('https://127.0.0.1/x.zip')
    refused('https://2130706433/x.zip')
    refused('https://[::1]/x.zip')
    refused('not a url')
  })

  it('allows the extra origins exactly (scheme, host, port)', () => {
    const withPanel = { ...policy, extraAllowedOrigins: ['http://panel.example:8080'] }
    assert.equal(checkDownloadUrl('http://panel.example:8080/zip/1', withPanel).host, 'panel.example:8080')
    refused('http://panel.example/zip/1', withPanel)
    refused('https://panel.example:8080/zip/1', withPanel)
    refused('http://panel.example:8081/zip/1', withPanel)
    refused('http://u:p@panel.example:8080/zip/1', withPanel)
  })
})
