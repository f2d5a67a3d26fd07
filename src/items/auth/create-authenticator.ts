import {
  createAuthSettingsReader,
  findUnknownCapabilities,
  readAuthUser,
  readAuthUserByUsername,
  type Moodle,
  type MoodleAuthSettings,
  type SessionStore,
} from '../../moodle/index.ts'
import type { ItemsAuthConfig, ItemsAuthLogger } from './auth-options.ts'
import { hasSystemCapability } from './capability.ts'
import type { AuthOutcome, AuthRequest, ItemsAuthenticator, Principal } from './contract.ts'
import { chooseCredential, type Credential } from './credential-choice.ts'
import { JwksClient } from './jwks-client.ts'
import { loadJwtKeys, type JwtKeys } from './jwt-keys.ts'
import { maintenance, ok, type Step } from './refusals.ts'
import { authenticateSession, checkSesskey } from './session-auth.ts'
import { checkUser } from './user-checks.ts'
import { verifyJwt } from './verify-jwt.ts'
import { authenticateWsToken } from './wstoken-auth.ts'

export interface ItemsAuthenticatorOptions {
  moodle: Moodle
  /** The service's `Config` (or just its `items_*` authentication options). */
  config: ItemsAuthConfig
  log: ItemsAuthLogger
  /** Clock for expiry checks and caches; default `Date.now`. */
  nowMs?: () => number
}

/** The capability that lets non-administrators in during maintenance mode (items-api.md §5.6). */
export const MAINTENANCE_ACCESS = 'moodle/site:maintenanceaccess'

/**
 * Builds the Items API authenticator. At start-up it validates the JWT options (a `ConfigError`
 * names the bad option) and reads Moodle's settings once. Those settings, the session handler
 * among them, are then re-read at most every second for all requests together (one query), so a
 * change on the site (web services, maintenance mode, session handler) is honoured within 2 s. A
 * handler it cannot read turns cookie authentication off with a warning.
 */
export async function createItemsAuthenticator(options: ItemsAuthenticatorOptions): Promise<ItemsAuthenticator> {
  const { moodle, config, log } = options
  const nowMs = options.nowMs ?? Date.now
  const keys = loadJwtKeys(config)
  const jwks = keys.jwksUrl ? new JwksClient({ url: keys.jwksUrl, nowMs }) : null
  const settingsReader = createAuthSettingsReader(moodle, {
    overrides: config.items_moodle_config,
    cacheMs: config.items_settings_cache_s * 1000,
    session: { handler: config.items_session_handler, fileSavePath: config.items_session_file_save_path },
    nowMs,
  })
  let lastStore: SessionStore | null = null
  /** The current settings; says once when the session handler changes to one that cannot be read. */
  const current = async () => {
    const snapshot = await settingsReader.read()
    const store = snapshot.sessionStore
    if (store !== lastStore && JSON.stringify(store) !== JSON.stringify(lastStore)) {
      if (store.kind === 'none' && config.items_session_handler !== 'none') {
        log.warn({ reason: store.reason }, 'Items API: Moodle session cookies will not be accepted')
      } else if (lastStore !== null) {
        log.info({ sessionStore: store.kind }, 'Items API: Moodle session handler changed')
      }
    }
    lastStore = store
    return snapshot
  }
  await current()
  const deps: Omit<Deps, 'store'> = { moodle, config, keys, jwks, log }

  return {
    async authenticate(request) {
      const { settings, sessionStore } = await current()
      const requestLog = request.log ?? log
      const result = await authenticateRequest(request, settings, nowMs(), { ...deps, log: requestLog, store: sessionStore })
      if (result.ok) return { ok: true, principal: result.value }
      requestLog.warn({ reason: result.refusal.reason, cause: result.cause, clientIp: request.clientIp }, 'Items API authentication refused')
      return { ok: false, refusal: result.refusal } satisfies AuthOutcome
    },
    async has(principal, capability) {
      if (principal.siteAdmin) return true
      const { settings } = await current()
      return hasSystemCapability(moodle, settings, principal.userId, capability)
    },
    unknownCapabilities(capabilities) {
      return findUnknownCapabilities(moodle, capabilities)
    },
    async close() {
      jwks?.close()
    },
  }
}

interface Deps {
  moodle: Moodle
  config: ItemsAuthConfig
  keys: JwtKeys
  jwks: JwksClient | null
  store: SessionStore
  log: ItemsAuthLogger
}

/** §3 steps 7–9: authentication (§5.1–5.5), maintenance mode (§5.6), then the sesskey (§5.5). */
async function authenticateRequest(request: AuthRequest, settings: MoodleAuthSettings, nowMs: number, deps: Deps): Promise<Step<Principal>> {
  const credential = chooseCredential(request, `MoodleSession${settings.sessionCookie}`, deps.store.kind !== 'none')
  if (!credential.ok) return credential
  const identity = await verifyCredential(credential.value, request, settings, nowMs, deps)
  if (!identity.ok) return identity
  const { userId, tokenId, sesskey, credentialRef } = identity.value
  const siteAdmin = settings.siteAdmins.has(userId)
  if (settings.maintenanceEnabled && !siteAdmin && !(await hasSystemCapability(deps.moodle, settings, userId, MAINTENANCE_ACCESS))) {
    return maintenance(`maintenance mode: user ${userId} has no maintenance access`)
  }
  if (sesskey !== null) {
    const checked = checkSesskey(request, sesskey)
    if (!checked.ok) return checked
  }
  return ok({ userId, via: credential.value.kind, tokenId, siteAdmin, ...(credentialRef ? { credentialRef } : {}) })
}

type Identity = { userId: number; tokenId: number | null; sesskey: string | null; credentialRef?: string }

async function verifyCredential(
  credential: Credential,
  request: AuthRequest,
  settings: MoodleAuthSettings,
  nowMs: number,
  deps: Deps,
): Promise<Step<Identity>> {
  const { moodle, config } = deps
  switch (credential.kind) {
    case 'jwt': {
      const subject = await verifyJwt(credential.token, { keys: deps.keys, jwks: deps.jwks, config, nowMs })
      if (!subject.ok) return subject
      const row =
        subject.value.by === 'id'
          ? await readAuthUser(moodle, subject.value.id)
          : await readAuthUserByUsername(moodle, subject.value.username, settings.mnetLocalHostId)
      const user = checkUser(row, settings)
      if (!user.ok) return { ...user, cause: `JWT: ${user.cause}` }
      return ok({ userId: user.value.id, tokenId: null, sesskey: null, credentialRef: subject.value.ref })
    }
    case 'wstoken': {
      const result = await authenticateWsToken(credential.token, { moodle, config, settings, clientIp: request.clientIp, nowMs, log: deps.log })
      if (!result.ok) return result
      return ok({ ...result.value, sesskey: null })
    }
    case 'session': {
      const result = await authenticateSession(credential.sid, { moodle, store: deps.store, settings, clientIp: request.clientIp, nowMs })
      if (!result.ok) return result
      return ok({ userId: result.value.userId, tokenId: null, sesskey: result.value.sesskey })
    }
  }
}
