import type { Moodle } from '../../moodle/index.ts'
import type { ItemsAuthenticator, Principal } from '../auth/contract.ts'
import { Errors } from '../errors.ts'
import type { ItemTypeRegistry } from '../item-types/registry.ts'
import type { ItemType } from '../item-types/item-type.ts'
import type { ItemsDb } from '../store/items-db.ts'

/** What every item operation needs, shared by the HTTP routes and extension `ctx.items`. */
export interface ItemsCore {
  registry: ItemTypeRegistry
  db: ItemsDb
  moodle: Moodle
  auth: ItemsAuthenticator
  requireIfMatch: boolean
  /** Unix seconds. */
  nowS: () => number
}

/** The user an operation acts for, with a per-request capability cache. */
export interface Caller {
  principal: Principal
  ip: string
  requestId: string
  cache: Map<string, Promise<boolean>>
}

export function callerOf(principal: Principal, ip: string, requestId: string): Caller {
  return { principal, ip, requestId, cache: new Map() }
}

/** `has(user, capability)` at system context, once per request and capability. */
export function hasCapability(core: ItemsCore, caller: Caller, capability: string): Promise<boolean> {
  if (caller.principal.siteAdmin) return Promise.resolve(true)
  let p = caller.cache.get(capability)
  if (!p) caller.cache.set(capability, (p = core.auth.has(caller.principal, capability)))
  return p
}

/** `read(type)` of §6.3: admin, the read capability, or the manage capability. */
export async function canRead(core: ItemsCore, caller: Caller, type: ItemType): Promise<boolean> {
  if (caller.principal.siteAdmin) return true
  if (type.readCapability && (await hasCapability(core, caller, type.readCapability))) return true
  return type.capability !== null && (await hasCapability(core, caller, type.capability))
}

/** `manage(type)` of §6.3. */
export async function canManage(core: ItemsCore, caller: Caller, type: ItemType): Promise<boolean> {
  if (caller.principal.siteAdmin) return true
  return type.capability !== null && (await hasCapability(core, caller, type.capability))
}

/** Throws 403 naming the read capability (or the manage one) unless `read(type)`. */
export async function requireRead(core: ItemsCore, caller: Caller, type: ItemType): Promise<void> {
  if (!(await canRead(core, caller, type))) throw Errors.missingCapability(type.readCapability ?? type.capability ?? '')
}

/** Throws 403 naming the manage capability unless `manage(type)`. */
export async function requireManage(core: ItemsCore, caller: Caller, type: ItemType): Promise<void> {
  if (!(await canManage(core, caller, type))) throw Errors.missingCapability(type.capability ?? '')
}

/** The strong entity tag of a stored item (§11). */
export const etagOf = (id: number, version: number) => `"${id}-${version}"`

/** `If-Match` (§11): strong comparison, `*` matches any existing item. */
export function ifMatchHolds(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag)
}

/** `If-None-Match` (§11): weak comparison, `*` matches any existing item. */
export function ifNoneMatchHolds(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag)
}
