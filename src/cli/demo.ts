import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { SignJWT } from 'jose'
import { createDemoSite, type DemoItemsCredentials } from '../demo/index.ts'
import { mountPathOf } from '../items/index.ts'
import { createService } from '../service.ts'
import { configFrom, fail, listenOrClose, onShutdown, type CommonFlags } from './common.ts'

/** Lifetime of the JWT the demo prints. */
const JWT_LIFETIME_S = 24 * 3600

/**
 * `demo`: the service on a generated Moodle site in an embedded database, both APIs on. Unless the
 * environment says otherwise, the management key and the Items API's HS256 secret are random and
 * the Items API is switched on (`mdg_core_api_enabled`).
 */
export async function demoCommand(flags: CommonFlags & { dir?: string; users?: string }): Promise<void> {
  try {
    const key = process.env['MOODLE_BRIDGE_MOOPANEL_KEY'] ?? process.env['MOODLE_BRIDGE_API_KEY'] ?? randomBytes(32).toString('base64url')
    process.env['MOODLE_BRIDGE_API_KEY'] = key
    process.env['MOODLE_BRIDGE_MDG_CORE_API_ENABLED'] ??= 'true'
    // The banner is the demo's first output; request logs and warnings still show (log_level to change).
    process.env['MOODLE_BRIDGE_LOG_LEVEL'] ??= 'warn'
    process.env['MOODLE_BRIDGE_ITEMS_JWT_HS256_SECRET'] ??= randomBytes(32).toString('base64url')
    const config = await configFrom(flags)
    const dir = resolve(flags.dir ?? join(process.cwd(), '.demo'))
    const site = await createDemoSite({ dir, users: flags.users ? Number(flags.users) : undefined, wwwroot: `http://${config.host}:${config.port}` })
    const service = await createService(config, {
      dirroot: site.dirroot,
      database: { target: { driver: 'pglite', pglite: site.pglite }, prefix: site.prefix, wwwroot: site.wwwroot, dataroot: site.dataroot },
    }).catch(async (error: unknown) => {
      await site.close().catch(() => undefined)
      throw error
    })
    const close = async () => {
      await service.close()
      await site.close()
    }
    onShutdown(close)
    await listenOrClose(service.listen, close)
    const origin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`
    const jwt = config.items_jwt_hs256_secret ? await adminJwt(config.items_jwt_hs256_secret, site.items.admin.userid) : null
    process.stdout.write(
      banner({
        counts: site.counts,
        moopanelBase: `${origin}/local/moopanel/server.php`,
        key,
        itemsBase: `${origin}${mountPathOf(config, site.wwwroot)}/api`,
        itemsOn: config.mdg_core_api_enabled !== false,
        items: site.items,
        jwt,
      }),
    )
  } catch (error) {
    fail(error)
  }
}

/** An HS256 JWT naming the admin by id, valid for JWT_LIFETIME_S. */
async function adminJwt(secret: string, userid: number): Promise<{ token: string; expires: Date }> {
  const exp = Math.floor(Date.now() / 1000) + JWT_LIFETIME_S
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(String(userid)).setIssuedAt().setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret))
  return { token, expires: new Date(exp * 1000) }
}

/** What the demo prints once it listens: both APIs, their credentials, one curl line each. */
function banner(b: {
  counts: { users: number; courses: number; plugins: number }
  moopanelBase: string
  key: string
  itemsBase: string
  itemsOn: boolean
  items: DemoItemsCredentials
  jwt: { token: string; expires: Date } | null
}): string {
  const { admin, manager, user } = b.items
  const lines = [
    '',
    `moodle-bridge demo: ${b.counts.users} users, ${b.counts.courses} courses, ${b.counts.plugins} plugins`,
    '',
    'Management API (MooPanel)',
    `  API:      ${b.moopanelBase}`,
    `  API key:  ${b.key}`,
    `  try:      curl -H "X-API-KEY: ${b.key}" '${b.moopanelBase}/plugins?displayupdates&displayupdateslog'`,
    '',
  ]
  if (b.itemsOn) {
    lines.push(
      'Items API (MIDDAG)',
      `  API:      ${b.itemsBase}/v1`,
      `  token:    ${admin.token}  (web service token of ${admin.username}, service ${b.items.service}, no expiry)`,
      ...(b.jwt ? [`  JWT:      ${b.jwt.token}  (HS256, sub ${admin.userid} = ${admin.username}, expires ${b.jwt.expires.toISOString()})`] : []),
      `  try:      curl -H "Authorization: Bearer ${admin.token}" '${b.itemsBase}/v1/items?type=course&limit=5'`,
      `  docs:     ${b.itemsBase}/docs`,
      ...(manager ? [`  manager:  ${manager.token}  (token of ${manager.username}: a system manager, reads and manages every type)`] : []),
      ...(user ? [`  no role:  ${user.token}  (token of ${user.username}: no system role, 403 on every type)`] : []),
      '',
    )
  }
  return `${lines.join('\n')}\n`
}
