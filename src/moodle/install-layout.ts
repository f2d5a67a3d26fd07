import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

/**
 * Where a Moodle installation keeps what. `classic` (up to 5.0): one folder holds config.php and
 * the code. `public` (5.1 and later, MDL-83424): `config.php` stays in the installation root
 * (`$CFG->root`), the code — `version.php`, `lib/components.json`, plugin folders, `admin/cli` —
 * lives in `<root>/public` (`$CFG->dirroot`), which also ships a `config.php` that only loads the
 * root's.
 */
export type InstallLayout = 'classic' | 'public'

export interface InstallPaths {
  layout: InstallLayout
  /** Installation root: where config.php lives. */
  root: string
  /** Code directory (`$CFG->dirroot`): the root itself, or `<root>/public`. */
  dirroot: string
}

/**
 * The layout of the installation at `dir`, which may name the root or (on 5.1+) its `public/`:
 * a root holding config.php and `public/version.php` is a `public` layout; so is a folder named
 * `public` whose parent holds config.php; anything else is classic.
 */
export function detectInstallLayout(dir: string): InstallPaths {
  const given = resolve(dir)
  if (existsSync(join(given, 'config.php')) && existsSync(join(given, 'public', 'version.php'))) {
    return { layout: 'public', root: given, dirroot: join(given, 'public') }
  }
  if (basename(given) === 'public' && existsSync(join(dirname(given), 'config.php'))) {
    return { layout: 'public', root: dirname(given), dirroot: given }
  }
  return { layout: 'classic', root: given, dirroot: given }
}

/**
 * The installation root for `dir`, also when it is missing (a core swap interrupted between its
 * renames leaves no root): a missing `…/public` whose parent is missing too stands for that parent.
 */
export function installRootOf(dir: string): string {
  const given = resolve(dir)
  if (existsSync(given)) return detectInstallLayout(given).root
  return basename(given) === 'public' && !existsSync(dirname(given)) ? dirname(given) : given
}

/** The code directory inside a code tree (a root or a staged package): `public/` when it has `public/version.php`. */
export function codeDirOf(root: string): string {
  return existsSync(join(root, 'public', 'version.php')) ? join(root, 'public') : root
}
