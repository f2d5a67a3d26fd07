/** Builds a Moodle core package (`moodle/…` ZIP) from a test site's own tree, for core-update tests. */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { buildZip } from '../../src/packages/test-zip.ts'

async function walk(dir: string, skip: (rel: string) => boolean, root = dir): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const rel = relative(root, path)
    if (skip(rel)) continue
    if (entry.isDirectory()) out.push(...(await walk(path, skip, root)))
    else out.push(rel)
  }
  return out
}

/**
 * The standard code of `siteDir` (no config.php, no add-on folders) with a new root version.php,
 * plus `extra` files (e.g. a stand-in failure marker).
 */
export async function buildCorePackage(
  siteDir: string,
  addOns: readonly string[],
  version: { version: string; release: string },
  extra: Record<string, string> = {},
): Promise<Buffer> {
  const skip = (rel: string) => rel === 'config.php' || addOns.some((a) => rel === a || rel.startsWith(`${a}/`))
  const entries: Record<string, string | Buffer> = {}
  for (const rel of await walk(siteDir, skip)) entries[`moodle/${rel}`] = await readFile(join(siteDir, rel))
  entries['moodle/version.php'] =
    `<?php\ndefined('MOODLE_INTERNAL') || die();\n$version  = ${version.version};\n$release  = '${version.release}';\n$branch   = '405';\n$maturity = MATURITY_STABLE;\n`
  for (const [k, v] of Object.entries(extra)) entries[`moodle/${k}`] = v
  return buildZip(entries)
}
