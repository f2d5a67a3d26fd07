import { deflateSync } from 'node:zlib'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const out = Buffer.alloc(body.length + 8)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(crc32(body), body.length + 4)
  return out
}

/**
 * The demo site's logo: a 120×120 PNG (an orange tile with a white bridge), generated so that no
 * binary file has to be shipped. Always the same bytes.
 */
export function demoLogoPng(): Buffer {
  const size = 120
  const rows: Buffer[] = []
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3) // filter byte 0, then RGB
    for (let x = 0; x < size; x++) {
      const shade = Math.round((y / size) * 40)
      let rgb = [249 - shade, 128 - shade / 2, 18]
      const archY = 70 - Math.sqrt(Math.max(0, 45 * 45 - (x - 60) * (x - 60))) * 0.8
      const deck = y >= 74 && y < 82 && x >= 12 && x < 108
      const arch = Math.abs(y - archY) < 3.5 && x >= 15 && x <= 105
      const pillar = ((x >= 24 && x < 30) || (x >= 90 && x < 96)) && y >= 48 && y < 100
      if (deck || arch || pillar) rgb = [255, 255, 255]
      row.set(rgb.map(Math.round), 1 + x * 3)
    }
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
