import { PhpReader, PhpUnserializeError, type PhpData } from './php-unserialize.ts'

const PIPE = '|'.charCodeAt(0)

/**
 * Decodes session data in PHP's `php` session serialisation, which Moodle always uses: entries
 * `<name>|<serialized value>` one after another, sharing one back-reference table. As in PHP,
 * bytes after the last complete entry that hold no `|` end the data. Throws `PhpUnserializeError`
 * on malformed input, input over 1 MiB or nesting deeper than 64.
 */
export function decodePhpSession(data: Uint8Array): Map<string, PhpData> {
  const reader = new PhpReader(data)
  const entries = new Map<string, PhpData>()
  while (!reader.done) {
    const pipe = data.indexOf(PIPE, reader.pos)
    if (pipe < 0) break
    const name = Buffer.from(data.buffer, data.byteOffset + reader.pos, pipe - reader.pos).toString('utf8')
    reader.pos = pipe + 1
    entries.set(name, reader.value())
  }
  return entries
}

export { PhpUnserializeError }
