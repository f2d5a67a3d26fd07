import { createReadStream, openAsBlob } from 'node:fs'
import { open } from 'node:fs/promises'
import { BlobReader, ZipReader, type FileEntry } from '@zip.js/zip.js'
import { Parser, type ReadEntry } from 'tar'
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

/**
 * The manifest entry of a ZIP, read with zip.js (the one ZIP library of the service) from the file
 * as it goes. The first entry of that name and of a plausible size is read; it is stopped as soon as
 * the manifest reader is done, and refused (null) when it inflates to another size than declared.
 */
async function manifestFromZip(file: string): Promise<MbzInfo | null> {
  let zip: ZipReader<Blob>
  try {
    zip = new ZipReader(new BlobReader(await openAsBlob(file)), { useWebWorkers: false })
  } catch {
    return null
  }
  try {
    for await (const entry of zip.getEntriesGenerator()) {
      if (entry.directory || !isManifest(entry.filename) || entry.uncompressedSize > MAX_MANIFEST_BYTES) continue
      return await readEntryManifest(entry)
    }
    return null
  } catch {
    return null
  } finally {
    await zip.close().catch(() => undefined)
  }
}

/** Thrown from the sink to stop inflating once the manifest reader is done. */
const ENOUGH = new Error('manifest read')

async function readEntryManifest(entry: FileEntry): Promise<MbzInfo | null> {
  const reader = new ManifestReader()
  let bytes = 0
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      bytes += chunk.length
      if (bytes > entry.uncompressedSize) throw new Error('entry larger than declared')
      reader.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
      if (reader.done) throw ENOUGH
    },
  })
  try {
    await entry.getData(sink, { useWebWorkers: false })
  } catch (error) {
    if (error === ENOUGH) return reader.result()
    return null
  }
  return bytes === entry.uncompressedSize ? reader.result() : null
}
