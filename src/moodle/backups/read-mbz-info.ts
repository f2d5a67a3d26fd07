import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Parser, type ReadEntry } from 'tar'
import yauzl, { type Entry, type ZipFile } from 'yauzl'

/** What the manifest of a Moodle backup (`moodle_backup.xml`, moodle.md §12.2) says about it. */
export interface MbzInfo {
  /** `details/detail/type`: `course`, `section` or `activity`; null when absent. */
  type: string | null
  /** `information/original_course_id`; null when absent or not a number. */
  originalCourseId: number | null
  /** `details/detail/format`, normally `moodle2`; null when absent. */
  format: string | null
}

const MANIFEST = 'moodle_backup.xml'
/** A manifest lists every setting and activity; far below this on any real course. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024

/**
 * Reads the manifest of a `.mbz` file, which Moodle writes as a gzip-compressed tar or, with
 * `$CFG->usezipbackups`, as a ZIP (recognised by its first bytes). Null when the file is neither,
 * has no manifest, or the manifest is too large to be one.
 */
export async function readMbzInfo(file: string): Promise<MbzInfo | null> {
  const head = Buffer.alloc(4)
  const handle = await open(file, 'r')
  try {
    await handle.read(head, 0, 4, 0)
  } finally {
    await handle.close()
  }
  let xml: string | null = null
  if (head[0] === 0x1f && head[1] === 0x8b) xml = await manifestFromTarGz(file)
  else if (head.readUInt32LE(0) === 0x04034b50) xml = await manifestFromZip(file)
  return xml === null ? null : parseManifest(xml)
}

/** The facts of a manifest's text; exported for tests. */
export function parseManifest(xml: string): MbzInfo | null {
  const information = /<information>([\s\S]*?)<\/information>/.exec(xml)?.[1]
  if (information === undefined) return null
  const text = (scope: string, tag: string) => {
    const raw = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(scope)?.[1]
    return raw === undefined || raw === '$@NULL@$' ? null : decodeXmlText(raw.trim())
  }
  const detail = /<details>\s*<detail\b[^>]*>([\s\S]*?)<\/detail>/.exec(information)?.[1] ?? ''
  const id = text(information, 'original_course_id')
  return {
    type: text(detail, 'type'),
    originalCourseId: id !== null && /^\d{1,18}$/.test(id) ? Number(id) : null,
    format: text(detail, 'format'),
  }
}

function decodeXmlText(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e === 'lt') return '<'
    if (e === 'gt') return '>'
    if (e === 'quot') return '"'
    if (e === 'apos') return "'"
    if (e === 'amp') return '&'
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
  })
}

const isManifest = (path: string) => path.replace(/^\.\//, '') === MANIFEST

function manifestFromTarGz(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    const input = createReadStream(file)
    let settled = false
    const finish = (value: string | null) => {
      if (settled) return
      settled = true
      input.destroy()
      resolve(value)
    }
    const parser = new Parser({
      strict: true,
      onReadEntry(entry: ReadEntry) {
        if (!isManifest(entry.path) || entry.type !== 'File' || entry.size > MAX_MANIFEST_BYTES) return void entry.resume()
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => chunks.push(chunk))
        entry.on('end', () => finish(Buffer.concat(chunks).toString('utf8')))
      },
    })
    parser.on('error', () => finish(null))
    parser.on('abort', () => finish(null))
    parser.on('end', () => finish(null))
    input.on('error', () => finish(null))
    input.pipe(parser)
  })
}

function manifestFromZip(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return resolve(null)
      let settled = false
      const finish = (value: string | null) => {
        if (settled) return
        settled = true
        zip.close()
        resolve(value)
      }
      zip.on('error', () => finish(null))
      zip.on('end', () => finish(null))
      zip.on('entry', (entry: Entry) => {
        if (!isManifest(entry.fileName) || entry.uncompressedSize > MAX_MANIFEST_BYTES) return zip.readEntry()
        readEntryText(zip, entry).then(finish, () => finish(null))
      })
      zip.readEntry()
    })
  })
}

function readEntryText(zip: ZipFile, entry: Entry): Promise<string> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(error ?? new Error('unreadable entry'))
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', reject)
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    })
  })
}
