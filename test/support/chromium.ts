/** Headless Debian Chromium for page tests (playwright-core; .ci/run installs the `chromium` package). */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** A reason to skip browser checks (no Chromium and MB_SKIP_BROWSER=1), or false. */
export const skipBrowser: string | false =
  !existsSync(CHROMIUM) && process.env['MB_SKIP_BROWSER'] === '1' ? `${CHROMIUM} is missing and MB_SKIP_BROWSER=1` : false

/**
 * Starts Chromium with a fresh profile and the flags this sandbox needs (no background networking:
 * its connections would be refused). Throws a clear message when Chromium is missing.
 */
export async function launchChromium(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium, as .ci/run does), or set MB_SKIP_BROWSER=1 to skip the browser checks`)
  }
  const profile = await mkdtemp(join(tmpdir(), 'mb-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  return {
    browser,
    close: async () => {
      await browser.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
