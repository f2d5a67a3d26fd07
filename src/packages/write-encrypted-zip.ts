import { createReadStream, createWriteStream } from 'node:fs'
import { Readable, Writable } from 'node:stream'
import { ZipWriter } from '@zip.js/zip.js'

/**
 * Writes `targetFile`: a ZIP with one entry `entryName` holding `sourceFile`, encrypted with
 * WinZip AES-256 (AE-2) under `password` and stored without recompression, streamed (archives can
 * be large). A standard format: 7-Zip, WinZip, macOS and most tools open it with the password.
 */
export async function writeEncryptedZip(sourceFile: string, entryName: string, targetFile: string, password: string): Promise<void> {
  const output = Writable.toWeb(createWriteStream(targetFile, { flags: 'wx', mode: 0o640 })) as WritableStream<Uint8Array>
  const writer = new ZipWriter(output, { password, encryptionStrength: 3, zipCrypto: false, level: 0, useWebWorkers: false })
  await writer.add(entryName, Readable.toWeb(createReadStream(sourceFile)) as unknown as ReadableStream<Uint8Array>)
  await writer.close()
}
