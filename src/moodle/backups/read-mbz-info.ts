import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Parser, type ReadEntry } from 'tar'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { ManifestReader, type MbzInfo } from './manifest-reader.ts'

export type { MbzInfo } from './manifest-reader.ts'

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
  if (head[0] === 0x1f && head[1] === 0x8b) return manifestFromTarGz(file)
  if (head.readUInt32LE(0) === 0x04034b50) return manifestFromZip(file)
  return null
}

/** The facts of a manifest's text; exported for tests. */
export function parseManifest(xml: string): MbzInfo | null {
  const reader = new ManifestReader()
  reader.write(xml)
  return reader.result()
}

const isManifest = (path: string) => path.replace(/^\.\//, '') === MANIFEST

function manifestFromTarGz(file: string): Promise<MbzInfo | null> {
  return new Promise((resolve) => {
    const input = createReadStream(file)
    let settled = false
    const finish = (value: MbzInfo | null) => {
      if (settled) return
      settled = true
      input.destroy()
      resolve(value)
    }
    const parser = new Parser({
      strict: true,
      onReadEntry(entry: ReadEntry) {
        if (!isManifest(entry.path) || entry.type !== 'File' || entry.size > MAX_MANIFEST_BYTES) return void entry.resume()
        const reader = new ManifestReader()
        entry.on('data', (chunk: Buffer) => {
          reader.write(chunk)
          if (reader.done) finish(reader.result())
        })
        entry.on('end', () => finish(reader.result()))
      },
    })
    parser.on('error', () => finish(null))
    parser.on('abort', () => finish(null))
    parser.on('end', () => finish(null))
    input.on('error', () => finish(null))
    input.pipe(parser)
  })
}

function manifestFromZip(file: string): Promise<MbzInfo | null> {
  return new Promise((resolve) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return resolve(null)
      let settled = false
      const finish = (value: MbzInfo | null) => {
        if (settled) return
        settled = true
        zip.close()
        resolve(value)
      }
      zip.on('error', () => finish(null))
      zip.on('end', () => finish(null))
      zip.on('entry', (entry: Entry) => {
        if (!isManifest(entry.fileName) || entry.uncompressedSize > MAX_MANIFEST_BYTES) return zip.readEntry()
        readEntryManifest(zip, entry).then(finish, () => finish(null))
      })
      zip.readEntry()
    })
  })
}

function readEntryManifest(zip: ZipFile, entry: Entry): Promise<MbzInfo | null> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(error ?? new Error('unreadable entry'))
      const reader = new ManifestReader()
      stream.on('data', (chunk: Buffer) => {
        reader.write(chunk)
        if (!reader.done) return
        stream.destroy()
        resolve(reader.result())
      })
      stream.on('error', reject)
      stream.on('end', () => resolve(reader.result()))
    })
  })
}
