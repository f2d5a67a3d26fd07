/**
 * Bodies of the callbacks of moopanel-api.md §6.2–6.8, built from domain values. Every key is always
 * present (nullable keys carry `null`), ids are JSON integers, booleans are booleans, and the texts
 * MooPanel stores are cut to 255 code points. A value that cannot be sent (an id out of range, an
 * empty required text) is a programming error and throws RangeError.
 */

/** Largest value of MooPanel's 32-bit id and size columns. */
const INT32_MAX = 2_147_483_647
/** Length MooPanel's text columns keep, in code points. */
export const CALLBACK_TEXT_MAX = 255

/** §6.2 body. Success: link, password, size, `message: null`; failure: placeholders and a reason. */
export interface BackupCreatedBody {
  status: boolean
  courseid: number
  link: string
  password: string
  filesize: number | null
  message: string | null
}

/** What a finished `backup_course` job reports. */
export type BackupCreatedInput =
  | { status: true; courseId: number; link: string; password: string; sizeBytes: number }
  | { status: false; courseId: number; message: string }

/** §6.3 body. */
export interface RestoreFinishedBody {
  status: boolean
  user_id: number | null
  backup_result_id: number | null
  courseid: number
  message: string
}

/** §6.4 body: one per deleted item. */
export interface DeletionFinishedBody {
  status: boolean
  user_id: number | null
  backup_result_id: number | null
  message: string
}

/** §6.5 body, sent on success and on failure. */
export interface CoreUpdateFinishedBody {
  status: boolean
  moodle_job_id: number
  user_id: number | null
  update_id: number
  message: string
}

/** One item of the §6.6 `updates` array. */
export interface PluginUpdateResult {
  model_id: number
  status: boolean
  component: string
  error: string | null
}

/** §6.6 body. */
export interface PluginUpdatesFinishedBody {
  moodle_job_id: number
  user_id: number | null
  username: string | null
  updates: PluginUpdateResult[]
}

/** One item of the §6.7 `updates` array. */
export interface ZipInstallResult {
  link: string
  status: boolean
  component: string
  version: string | null
  error: string | null
}

/** §6.7 body. */
export interface ZipInstallsFinishedBody {
  moodle_job_id: number
  user_id: number | null
  username: string | null
  updates: ZipInstallResult[]
}

/** Echoed ids and the job id shared by several callbacks (`null` where MooPanel sent none). */
interface Echo {
  jobId: number
  userId: number | null
  username: string | null
}

/** §6.2: failure sends `"-"` placeholders (MooPanel requires non-empty values); sizes above 2³¹−1 become null. */
export function backupCreatedBody(input: BackupCreatedInput): BackupCreatedBody {
  const courseid = id('courseid', input.courseId)
  if (!input.status) return { status: false, courseid, link: '-', password: '-', filesize: null, message: text('message', input.message) }
  const bytes = new TextEncoder().encode(input.password).length
  if (bytes < 1 || bytes > 23) throw new RangeError('password must have 1–23 bytes')
  if (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0) throw new RangeError(`invalid archive size: ${input.sizeBytes}`)
  const filesize = input.sizeBytes > INT32_MAX ? null : input.sizeBytes
  return { status: true, courseid, link: text('link', input.link), password: input.password, filesize, message: null }
}

/** §6.3 from the restore outcome (message of §5.11). */
export function restoreFinishedBody(input: {
  status: boolean
  userId: number | null
  backupResultId: number | null
  courseId: number
  message: string
}): RestoreFinishedBody {
  return {
    status: input.status,
    user_id: nullableId('user_id', input.userId),
    backup_result_id: nullableId('backup_result_id', input.backupResultId),
    courseid: id('courseid', input.courseId),
    message: text('message', input.message),
  }
}

/** §6.4 for one deleted item; `userId` is null for automatic pruning. */
export function deletionFinishedBody(input: {
  status: boolean
  userId: number | null
  backupResultId: number | null
  message: string
}): DeletionFinishedBody {
  return {
    status: input.status,
    user_id: nullableId('user_id', input.userId),
    backup_result_id: nullableId('backup_result_id', input.backupResultId),
    message: text('message', input.message),
  }
}

/** §6.5 from the core update outcome (message of §5.8). */
export function coreUpdateFinishedBody(input: {
  status: boolean
  jobId: number
  userId: number | null
  updateId: number
  message: string
}): CoreUpdateFinishedBody {
  return {
    status: input.status,
    moodle_job_id: id('moodle_job_id', input.jobId),
    user_id: nullableId('user_id', input.userId),
    update_id: id('update_id', input.updateId),
    message: text('message', input.message),
  }
}

/** §6.6: one result per requested item, in request order; `username` only when it is an e-mail address. */
export function pluginUpdatesFinishedBody(
  input: Echo & { updates: { modelId: number; status: boolean; component: string; error: string | null }[] },
): PluginUpdatesFinishedBody {
  return {
    ...echo(input),
    updates: nonEmpty(input.updates).map((item, i) => ({
      model_id: id(`updates.${i}.model_id`, item.modelId),
      status: item.status,
      component: required(`updates.${i}.component`, item.component),
      error: item.error === null ? null : cut(item.error),
    })),
  }
}

/** §6.7: one result per URL, in request order; `link` exactly as received; a null component becomes `"unknown"`. */
export function zipInstallsFinishedBody(
  input: Echo & { updates: { link: string; status: boolean; component: string | null; version: string | null; error: string | null }[] },
): ZipInstallsFinishedBody {
  return {
    ...echo(input),
    updates: nonEmpty(input.updates).map((item) => ({
      // Not cut: MooPanel matches the result to its request row by this exact string.
      link: item.link,
      status: item.status,
      component: item.component === null || item.component === '' ? 'unknown' : item.component,
      version: item.version,
      error: item.error === null ? null : cut(item.error),
    })),
  }
}

/** §6.8: the XML document of §5.9, sent as is with `application/xml`; throws when it is no XML document. */
export function adminPresetBody(xml: string): string {
  if (!xml.trimStart().startsWith('<')) throw new RangeError('admin preset must be an XML document')
  return xml
}

/** Keeps the first 255 code points (never splits a surrogate pair). */
export function cut(value: string): string {
  const points = Array.from(value)
  return points.length <= CALLBACK_TEXT_MAX ? value : points.slice(0, CALLBACK_TEXT_MAX).join('')
}

/** An e-mail address in MooPanel's `local@domain.tld` shape, else null (§4.7: MooPanel validates it as e-mail). */
export function emailOrNull(value: string | null): string | null {
  if (value === null || Array.from(value).length > CALLBACK_TEXT_MAX) return null
  return /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(value) ? value : null
}

function echo(input: Echo): Pick<PluginUpdatesFinishedBody, 'moodle_job_id' | 'user_id' | 'username'> {
  return { moodle_job_id: id('moodle_job_id', input.jobId), user_id: nullableId('user_id', input.userId), username: emailOrNull(input.username) }
}

function id(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > INT32_MAX) throw new RangeError(`${name} must be an integer in 1..${INT32_MAX}: ${value}`)
  return value
}

function nullableId(name: string, value: number | null): number | null {
  return value === null ? null : id(name, value)
}

function required(name: string, value: string): string {
  if (value === '') throw new RangeError(`${name} must not be empty`)
  return value
}

/** A stored, non-empty text cut to 255 code points. */
function text(name: string, value: string): string {
  return cut(required(name, value))
}

function nonEmpty<T>(items: T[]): T[] {
  if (items.length === 0) throw new RangeError('updates must have at least one element')
  return items
}
