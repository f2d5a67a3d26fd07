import { readFile, stat } from 'node:fs/promises'

/** A user or group name from /etc/passwd or /etc/group, else `uid N` / `gid N`. */
async function accountName(file: '/etc/passwd' | '/etc/group', id: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '')
  const name = text.split('\n').map((l) => l.split(':')).find((f) => f.length > 2 && Number(f[2]) === id)?.[0]
  return name || `${file === '/etc/passwd' ? 'uid' : 'gid'} ${id}`
}

/** The name of a user id (`www-data`, or `uid 33` when unknown). */
export function userName(uid: number): Promise<string> {
  return accountName('/etc/passwd', uid)
}

/** Who owns a path: `www-data:www-data, mode 0750`, or null when it cannot be seen. */
export async function ownerOf(path: string): Promise<{ user: string; group: string; mode: string; uid: number; gid: number } | null> {
  const s = await stat(path).catch(() => null)
  if (!s) return null
  return {
    user: await accountName('/etc/passwd', s.uid),
    group: await accountName('/etc/group', s.gid),
    mode: `0${(s.mode & 0o7777).toString(8)}`,
    uid: s.uid,
    gid: s.gid,
  }
}

/** Who this process runs as (`moodle-bridge`, or `uid 998`). */
export function currentUser(): Promise<string> {
  return typeof process.geteuid === 'function' ? userName(process.geteuid()) : Promise.resolve('this user')
}

/**
 * How to give the service's user access to a path it cannot read: the owner, group and mode as
 * they are, and the usual fix (the service's user joins the group, the group gets read access).
 */
export async function readAccessFix(path: string, access: 'read' | 'read and enter'): Promise<string> {
  const me = await currentUser()
  const owner = await ownerOf(path)
  const bits = access === 'read' ? 'g+r' : 'g+rX'
  if (!owner) return `${me} needs ${access} access to ${path} (and to every folder above it)`
  return `${me} needs ${access} access to ${path} (owner ${owner.user}:${owner.group}, mode ${owner.mode}): ` +
    `add ${me} to group ${owner.group} (usermod -aG ${owner.group} ${me}) and chmod ${bits} ${path}, or run the service as ${owner.user}`
}
