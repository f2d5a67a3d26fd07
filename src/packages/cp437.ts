/**
 * IBM Code Page 437, the encoding of a ZIP entry name without the UTF-8 flag (APPNOTE.TXT appendix D).
 * zip.js holds such a table but does not export it, and it decodes only the name it finally uses
 * (the Unicode Path extra field's when that is valid, and UTF-8 by guess when the bytes form UTF-8);
 * unzipPackage must check the header's own name too and decode it the same way every time, so the
 * table is here. Bytes 0x01–0x1f and 0x7f are the code page's graphic characters, as zip.js and
 * most unzip tools show them; 0x00 stays NUL.
 */
const LOW = '\u0000☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼'
const HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0'

const TABLE: readonly string[] = [
  ...LOW,
  ...Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)),
  '⌂',
  ...HIGH,
]

/** The text of CP437 bytes. */
export function decodeCp437(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += TABLE[byte]!
  return text
}

/** Table size, for the test that it covers every byte. */
export const CP437_TABLE_SIZE = TABLE.length
