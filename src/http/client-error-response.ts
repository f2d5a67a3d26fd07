import { randomUUID } from 'node:crypto'
/**
 * The answer to a request Node could not parse (written to the socket, then closed): 431 for
 * headers over Node's limit, else 400. A request line naming a path under the Items API's mount
 * gets the Items error envelope (items-api.md §4.4), any other the management API's `{"error": …}`.
 */
export function clientErrorResponse(error: Error, itemsMount: string | null): string {
  const { code, rawPacket } = error as { code?: unknown; rawPacket?: unknown }
  const tooLarge = code === 'HPE_HEADER_OVERFLOW'
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'
  const line = Buffer.isBuffer(rawPacket) ? (rawPacket.subarray(0, 8192).toString('latin1').split('\r\n', 1)[0] ?? '') : ''
  const path = /^[A-Z]+ (\/[^ ?#]*)/.exec(line)?.[1]
  const items = itemsMount !== null && path !== undefined && (path === `${itemsMount}/api` || path.startsWith(`${itemsMount}/api/`))
  const body = !items
    ? '{"error":"Bad request."}'
    : JSON.stringify(
        tooLarge
          ? { success: false, error: true, code: 431, reason: 'request_header_too_large', message: 'The request headers are too large.' }
          : { success: false, error: true, code: 400, reason: 'bad_request', message: 'Bad request.' },
      )
  return (
    `HTTP/1.1 ${items ? status : '400 Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Request-Id: ${randomUUID()}\r\n` +
    `Connection: close\r\n\r\n${body}`
  )
}
