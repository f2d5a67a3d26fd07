/**
 * One documentation page for both APIs on the operations listener (issue #11 point 3): Swagger UI
 * from local assets, the management API's document and the Items API's, in headless Chromium.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { BrowserContext } from 'playwright-core'
import { launchChromium, skipBrowser } from './support/chromium.ts'
import { startFixtureService, type FixtureService } from './support/start-fixture-service.ts'


describe('ops listener docs page for both APIs', () => {
  let s: FixtureService
  let ops: string
  let browser: BrowserContext | undefined
  let chrome: Awaited<ReturnType<typeof launchChromium>> | undefined

  before(async () => {
    s = await startFixtureService('pgsql', { ops_listen: '127.0.0.1:0', mdg_core_api_enabled: true })
    ops = (await s.service.listenOps())!
    if (skipBrowser) return
    chrome = await launchChromium()
    browser = chrome.browser
  })
  after(async () => {
    await chrome?.close()
    await s?.close()
  })

  it('serves both documents and a page from local assets with a CSP', async () => {
    const page = await fetch(`${ops}/docs`)
    assert.equal(page.status, 200)
    assert.match(String(page.headers.get('content-security-policy')), /default-src 'none'/)
    assert.equal(page.headers.get('x-frame-options'), 'DENY')
    const html = await page.text()
    assert.ok(!/https?:\/\//.test(html.replace(/<!doctype html>/i, '')), 'no external asset')
    const init = await (await fetch(`${ops}/docs/init.js`)).text()
    assert.match(init, /\/moopanel\/openapi\.json/)
    assert.match(init, /\/items\/openapi\.json/)
    assert.equal((await fetch(`${ops}/docs/swagger-ui-bundle.js`)).status, 200)
    assert.equal((await fetch(`${ops}/docs/nope.js`)).status, 404)
    const items = await fetch(`${ops}/items/openapi.json`)
    assert.equal(items.status, 200)
    assert.equal(JSON.parse(await items.text()).openapi, '3.1.0')
  })

  it('shows the management API and, chosen in the list, the Items API, in headless Chromium', { skip: skipBrowser }, async () => {
    const tab = await browser!.newPage()
    const problems: string[] = []
    tab.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    await tab.goto(`${ops}/docs`)
    await tab.locator('.info .title', { hasText: 'management API' }).waitFor({ timeout: 30_000 })
    await tab.locator('select').first().selectOption({ label: 'Items API (MIDDAG)' })
    await tab.locator('.info .title', { hasText: 'Items' }).waitFor({ timeout: 30_000 })
    assert.deepEqual(problems, [])
    await tab.close()
  })
})
