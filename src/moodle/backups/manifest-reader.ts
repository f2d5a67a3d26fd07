import { StringDecoder } from 'node:string_decoder'
import { SaxesParser } from 'saxes'

/** What the manifest of a Moodle backup (`moodle_backup.xml`, moodle.md §12.2) says about it. */
export interface MbzInfo {
  /** `details/detail/type`: `course`, `section` or `activity`; null when absent. */
  type: string | null
  /** `information/original_course_id`; null when absent or not a number. */
  originalCourseId: number | null
  /** `details/detail/format`, normally `moodle2`; null when absent. */
  format: string | null
}

/** Moodle's backup writer spells a null value so. */
const NULL_MARK = '$@NULL@$'

/**
 * Reads a backup manifest as it streams in, with a real XML parser (saxes): entities, CDATA and
 * comments are handled as XML defines them. It keeps only the text of
 * `moodle_backup/information/original_course_id` and of the first
 * `moodle_backup/information/details/detail`'s `type` and `format`, and is done as soon as
 * `</information>` is read: the rest of a large manifest (settings, activities) is never parsed.
 */
export class ManifestReader {
  private readonly parser = new SaxesParser()
  private readonly decoder = new StringDecoder('utf8')
  private readonly path: string[] = []
  private readonly fields = new Map<string, string>()
  private text = ''
  private detailsSeen = 0
  private informationSeen = false
  private failed = false
  /** True once `</information>` has been read (or the XML proved malformed): feed no more. */
  done = false

  constructor() {
    this.parser.on('opentag', (tag) => {
      this.path.push(tag.name)
      this.text = ''
      if (this.at('moodle_backup', 'information', 'details', 'detail')) this.detailsSeen++
    })
    this.parser.on('text', (text) => void (this.text += text))
    this.parser.on('cdata', (text) => void (this.text += text))
    this.parser.on('closetag', () => {
      if (this.at('moodle_backup', 'information', 'original_course_id')) this.keep('original_course_id')
      if (this.detailsSeen === 1 && this.at('moodle_backup', 'information', 'details', 'detail', 'type')) this.keep('type')
      if (this.detailsSeen === 1 && this.at('moodle_backup', 'information', 'details', 'detail', 'format')) this.keep('format')
      if (this.at('moodle_backup', 'information')) {
        this.informationSeen = true
        this.done = true
      }
      this.path.pop()
      this.text = ''
    })
    this.parser.on('error', () => {
      this.failed = true
      this.done = true
    })
  }

  /** Feeds the next bytes (or text) of the manifest; ignored once done. */
  write(chunk: Buffer | string): void {
    if (this.done) return
    this.feed(typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
  }

  /** The facts read, or null when the manifest has no complete `information` element. */
  result(): MbzInfo | null {
    if (!this.done) {
      this.feed(this.decoder.end())
      if (!this.done) this.feedClose()
    }
    if (!this.informationSeen || this.failed) return null
    const id = this.value('original_course_id')
    return {
      type: this.value('type'),
      originalCourseId: id !== null && /^\d{1,18}$/.test(id) ? Number(id) : null,
      format: this.value('format'),
    }
  }

  private feed(text: string): void {
    try {
      this.parser.write(text)
    } catch {
      this.failed = true
      this.done = true
    }
  }

  private feedClose(): void {
    try {
      this.parser.close()
    } catch {
      this.failed = true
    }
    this.done = true
  }

  private at(...names: string[]): boolean {
    return this.path.length === names.length && names.every((name, i) => this.path[i] === name)
  }

  private keep(field: string): void {
    if (!this.fields.has(field)) this.fields.set(field, this.text.trim())
  }

  private value(field: string): string | null {
    const raw = this.fields.get(field)
    return raw === undefined || raw === NULL_MARK ? null : raw
  }
}
