import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readStoreSetting, writeStoreSetting, type Store } from '../../store/index.ts'

/**
 * Secrets kept in job rows (moopanel-api.md §5.4: "a restore password and a generated backup
 * password are stored encrypted in the job row and erased when the job is finished").
 *
 * Design — one key per secret, erased by forgetting the key (crypto-shredding):
 * - `sealJobSecret` draws a fresh 256-bit key, stores it in the service store's settings table as
 *   `job_secret.<key id>` = `<created at ms>:<key>`, and returns the token that goes into the job
 *   payload: `js1.<key id>.<iv>.<ciphertext><tag>` (base64url), AES-256-GCM with a 96-bit random
 *   IV and the token's prefix as additional data. The job row alone reveals nothing.
 * - `eraseJobSecret` deletes the key row: the token in the job row becomes undecryptable for good,
 *   without rewriting the job row (the queue's tables belong to src/jobs). Jobs call it once
 *   their outcome is recorded; a re-run after that finds the secret gone (`openJobSecret` → null).
 * - The key and the job live in the same store, so a stolen database dump holds both until the
 *   key is erased; what this buys is that finished jobs (kept for `job_retention_days`), logs and
 *   job listings never carry a usable password. Keys of tokens that never reached a job (a request
 *   refused after it was validated) are removed by `purgeJobSecrets`.
 */

const PREFIX = 'js1'
const SETTING = 'job_secret.'
const IV_BYTES = 12
const TAG_BYTES = 16

/** Encrypts `plaintext` under a new key kept in the store; returns the token for the job payload. */
export async function sealJobSecret(store: Store, plaintext: string, nowMs: number): Promise<string> {
  const key = randomBytes(32)
  const keyId = randomBytes(16).toString('base64url')
  await writeStoreSetting(store, SETTING + keyId, `${Math.floor(nowMs)}:${key.toString('base64url')}`)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(`${PREFIX}.${keyId}`))
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `${PREFIX}.${keyId}.${iv.toString('base64url')}.${data.toString('base64url')}`
}

/**
 * The plaintext of a token, or null once its key was erased. Throws when the token is malformed
 * or was altered (the GCM tag does not match).
 */
export async function openJobSecret(store: Store, token: string): Promise<string | null> {
  const { keyId, iv, data } = parse(token)
  const stored = await readStoreSetting(store, SETTING + keyId)
  if (stored === null) return null
  const key = Buffer.from(stored.slice(stored.indexOf(':') + 1), 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAAD(Buffer.from(`${PREFIX}.${keyId}`))
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES))
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8')
}

/** Erases a token's key, so the token can never be opened again (idempotent). */
export async function eraseJobSecret(store: Store, token: string): Promise<void> {
  await writeStoreSetting(store, SETTING + parse(token).keyId, null)
}

/** Whether a value has the shape of a token made by `sealJobSecret`. */
export function isJobSecretToken(value: unknown): value is string {
  return typeof value === 'string' && /^js1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/.test(value)
}

/**
 * Deletes the view's site's keys created before `olderThanMs` (for tokens that never reached a job, or whose job
 * was purged unfinished); returns how many. Call it with a cutoff older than any unfinished job.
 */
export async function purgeJobSecrets(store: Store, olderThanMs: number): Promise<number> {
  const rows = await store.db
    .selectFrom('store_settings')
    .select(['name', 'value'])
    .where('site', '=', store.site)
    .where('name', 'like', `${SETTING}%`)
    .execute()
  const stale = rows.filter((r) => Number(r.value.slice(0, r.value.indexOf(':'))) < olderThanMs).map((r) => r.name)
  if (stale.length === 0) return 0
  const result = await store.db.deleteFrom('store_settings').where('site', '=', store.site).where('name', 'in', stale).executeTakeFirst()
  return Number(result.numDeletedRows)
}

function parse(token: string): { keyId: string; iv: Buffer; data: Buffer } {
  if (!isJobSecretToken(token)) throw new TypeError('not a job secret token')
  const [, keyId, iv, data] = token.split('.') as [string, string, string, string]
  return { keyId, iv: Buffer.from(iv, 'base64url'), data: Buffer.from(data, 'base64url') }
}
