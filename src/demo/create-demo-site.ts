import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { BulkInsert } from './bulk-insert.ts'
import { buildCatalogue, SITE_COURSE_ID } from './course-catalogue.ts'
import { createDemoContext, DAY, HOUR, type DemoContext } from './demo-context.ts'
import { demoLogoPng } from './demo-logo.ts'
import { insertContexts, SYSTEM_CONTEXT_ID } from './insert-contexts.ts'
import { insertCohorts } from './insert-cohorts.ts'
import { insertEnrolments } from './insert-enrolments.ts'
import { insertRoles } from './insert-roles.ts'
import { buildItemsCredentials, type DemoItemsCredentials } from './items-credentials.ts'
import { insertUsers } from './insert-users.ts'
import { openDemoDatabase } from './open-demo-database.ts'
import { loadPluginInventory, type PluginInventory } from './plugin-inventory.ts'
import { buildPluginState } from './plugin-state.ts'
import { buildActivity, logoFileRows } from './site-activity.ts'
import { buildSiteConfig, LOGO_PATH } from './site-config.ts'
import { syncTree } from './sync-tree.ts'
import { buildUpgradeLog } from './upgrade-log.ts'
import { writeInstallDir } from './write-install-dir.ts'

/** A generated Moodle 4.5 site: database, code directory and data directory. */
export interface DemoSite {
  /** The in-memory database, tables named with `prefix`. */
  pglite: PGlite
  /** The generated Moodle code directory (`<dir>/moodle`). */
  dirroot: string
  /** The generated data directory (`<dir>/moodledata`). */
  dataroot: string
  wwwroot: string
  prefix: string
  counts: {
    /** Rows of `mdl_user`: guest, admin, generated people (2 of them deleted). */
    users: number
    /** Courses without the site course. */
    courses: number
    categories: number
    /** Plugin directories on disk (installed or not). */
    plugins: number
  }
  /** Web service tokens for the Items API (random on every start): admin, a manager, a plain user. */
  items: DemoItemsCredentials
  /** Closes the database (the directories stay). */
  close(): Promise<void>
}

export interface DemoSiteOptions {
  /** Directory receiving `moodle/` and `moodledata/` (both deleted and rewritten). */
  dir: string
  /** "Now" for every generated time (default: the current time). */
  now?: Date
  /** PRNG seed; the same seed gives the same rows (default 20241007). */
  seed?: number
  /** Rows of `mdl_user`, guest and admin included (default 500, at least 2). */
  users?: number
  /** Site URL (default `http://localhost:8080`). */
  wwwroot?: string
  /**
   * Where the initialised, empty PGlite data directory is cached between runs (saves ~2 s of
   * initdb). Default: `<os tmpdir>/moodle-bridge-demo`; `null` disables the cache.
   */
  cacheDir?: string | null
}

/** Builds the demo Moodle site: install directory under `dir`, database in a new in-memory PGlite. */
export async function createDemoSite(options: DemoSiteOptions): Promise<DemoSite> {
  const users = options.users ?? 500
  if (!Number.isInteger(users) || users < 2) throw new Error('users must be an integer of at least 2 (guest and admin)')
  const dir = resolve(options.dir)
  const ctx = createDemoContext({
    now: options.now ?? new Date(),
    seed: options.seed ?? 20241007,
    wwwroot: new URL(options.wwwroot ?? 'http://localhost:8080').href,
    dirroot: join(dir, 'moodle'),
    dataroot: join(dir, 'moodledata'),
  })
  const cacheDir = options.cacheDir === undefined ? join(tmpdir(), 'moodle-bridge-demo') : options.cacheDir
  const inventory = await loadPluginInventory()
  const logo = demoLogoPng()

  const opening = openDemoDatabase(cacheDir)
  let pluginDirs: number
  try {
    pluginDirs = await writeInstallDir(inventory, ctx.dirroot)
    writeDataDir(ctx.dataroot, logo)
  } catch (error) {
    await opening.then(({ db }) => db.close(), () => undefined)
    throw error
  }
  const { db: pglite, createIndexes } = await opening
  try {
    const { items, ...counts } = await fillDatabase(ctx, new BulkInsert(pglite), inventory, users, logo)
    await createIndexes()
    return {
      pglite,
      dirroot: ctx.dirroot,
      dataroot: ctx.dataroot,
      wwwroot: ctx.wwwroot,
      prefix: 'mdl_',
      counts: { ...counts, plugins: pluginDirs },
      items,
      close: () => pglite.close(),
    }
  } catch (error) {
    await pglite.close().catch(() => undefined)
    throw error
  }
}

/** Generates and loads every table's rows; returns the user, course and category counts. */
async function fillDatabase(ctx: DemoContext, out: BulkInsert, inventory: PluginInventory, userCount: number, logo: Buffer) {
  const themerev = ctx.now - 3 * DAY + 5 * HOUR
  const catalogue = buildCatalogue(ctx, themerev)
  await out.insertAll('mdl_course_categories', catalogue.categoryRows)
  await out.insertAll('mdl_course', catalogue.courseRows)

  const users = await insertUsers(ctx, out, userCount)
  const contexts = await insertContexts(out, catalogue, users)
  const enrolments = await insertEnrolments(ctx, out, catalogue, contexts, users)
  await insertRoles(ctx, out)
  await insertCohorts(ctx, out, catalogue, contexts, users)

  const config = await buildSiteConfig(ctx, inventory, themerev)
  await out.insertAll('mdl_config', config.config)
  await out.insertAll('mdl_config_plugins', config.configPlugins)
  await out.insertAll('mdl_config_log', config.configLog)
  await out.insertAll('mdl_upgrade_log', buildUpgradeLog(ctx, inventory))

  // One course overrides a filter, to have a non-system filter_active row.
  const overrideCourse = catalogue.courses.find((c) => c.shortname === 'CS210')?.id ?? SITE_COURSE_ID
  const state = buildPluginState(inventory, contexts.course.get(overrideCourse) ?? SYSTEM_CONTEXT_ID)
  await out.insertAll('mdl_modules', state.modules)
  await out.insertAll('mdl_block', state.blocks)
  await out.insertAll('mdl_filter_active', state.filters)
  await out.insertAll('mdl_repository', state.repositories)
  await out.insertAll('mdl_message_processors', state.messageProcessors)
  await out.insertAll('mdl_portfolio_instance', state.portfolios)

  const activity = buildActivity(ctx, users, catalogue.courses)
  await out.insertAll('mdl_mnet_host', activity.mnetHosts)
  await out.insertAll('mdl_sessions', activity.sessions)
  const items = buildItemsCredentials(ctx, users, enrolments.systemRoles, {
    serviceId: activity.services.length + 1, firstTokenId: activity.tokens.length + 1,
  })
  await out.insertAll('mdl_external_services', [...activity.services, ...items.services])
  await out.insertAll('mdl_external_tokens', [...activity.tokens, ...items.tokens])
  await out.insertAll('mdl_external_services_users', activity.serviceUsers)
  await out.insertAll('mdl_task_adhoc', activity.adhocTasks)
  await out.insertAll('mdl_backup_controllers', activity.backups)
  await out.insertAll('mdl_files', logoFileRows(ctx, logo, LOGO_PATH.slice(1)))
  await out.finish()
  return { users: users.length, courses: catalogue.courses.length, categories: catalogue.categories.length, items: items.credentials }
}

/**
 * Resets the data directory: Moodle's usual sub-directories and the file pool holding the logo
 * (`filedir/<h[0..2]>/<h[2..4]>/<h>`); anything else is removed.
 */
function writeDataDir(dataroot: string, logo: Buffer): void {
  const logoHash = createHash('sha1').update(logo).digest('hex')
  const pool = new Map([[`filedir/${logoHash.slice(0, 2)}/${logoHash.slice(2, 4)}/${logoHash}`, logo]])
  syncTree(dataroot, pool, ['temp', 'cache', 'localcache', 'sessions', 'lang', 'trashdir'])
}
