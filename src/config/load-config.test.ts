import assert from 'node:assert/strict'
import { writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from './load-config.ts'

const KEY = 'k'.repeat(40)

describe('loadConfig', () => {
  it('applies defaults and reads MOODLE_BRIDGE_* variables, lists comma-separated', async () => {
    const config = await loadConfig({
      env: { MOODLE_BRIDGE_PORT: '9000', MOODLE_BRIDGE_IP_ALLOWLIST: '10.0.0.0/8, 192.0.2.1', MOODLE_BRIDGE_API_ENABLED: 'false' },
    })
    assert.equal(config.port, 9000)
    assert.equal(config.host, '127.0.0.1')
    assert.deepEqual(config.ip_allowlist, ['10.0.0.0/8', '192.0.2.1'])
    assert.equal(config.api_enabled, false)
    assert.equal(config.auth_lockout_threshold, 10)
    assert.deepEqual(config.download_allowed_hosts, ['moodle.org', '*.moodle.org'])
  })

  it('takes MOODLE_BRIDGE_MOOPANEL_KEY as the api_key alias', async () => {
    const config = await loadConfig({ env: { MOODLE_BRIDGE_MOOPANEL_KEY: KEY } })
    assert.equal(config.api_key, KEY)
  })

  it('lets flags override the environment, and the environment override the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mb-config-'))
    const file = join(dir, 'config.yaml')
    await writeFile(file, 'port: 1111\nhost: 0.0.0.0\nitems_rate_limit_per_ip: {max: 5, window_s: 2}\n')
    const config = await loadConfig({ file, env: { MOODLE_BRIDGE_PORT: '2222' }, flags: { port: '3333' } })
    assert.equal(config.port, 3333)
    assert.equal(config.host, '0.0.0.0')
    assert.deepEqual(config.items_rate_limit_per_ip, { max: 5, window_s: 2 })
  })

  it('refuses invalid values naming the option, never printing a secret', async () => {
    const secret = 'short-secret-value'
    await assert.rejects(
      loadConfig({ env: { MOODLE_BRIDGE_API_KEY: secret, MOODLE_BRIDGE_PORT: 'eighty', MOODLE_BRIDGE_MOOPANEL_URL: 'ftp://x' } }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError)
        assert.match(error.message, /api_key \(MOODLE_BRIDGE_API_KEY\): too short/)
        assert.match(error.message, /port \(MOODLE_BRIDGE_PORT\)/)
        assert.match(error.message, /moopanel_url/)
        assert.ok(!error.message.includes(secret))
        return true
      },
    )
  })

  it('requires a key when the API is enabled, and rejects unknown options in a file', async () => {
    await assert.rejects(loadConfig({ env: { MOODLE_BRIDGE_API_ENABLED: 'true' } }), /api_key .*required/)
    const dir = await mkdtemp(join(tmpdir(), 'mb-config-'))
    await writeFile(join(dir, 'c.json'), '{"no_such_option": 1}')
    await assert.rejects(loadConfig({ file: join(dir, 'c.json') }), /no_such_option: unknown option/)
  })
})
