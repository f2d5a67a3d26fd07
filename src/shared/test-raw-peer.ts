/**
 * For tests: an HTTP peer written at the socket level, so it can misbehave as real servers do
 * (close after an HTTP/1.0 body, cut a body short, reset, stall, not speak HTTP). It reads the
 * request head, then hands the socket to the behaviour named by the request path; other paths get
 * an empty 404. `close()` destroys every open socket first.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net'

export type PeerBehaviour = (socket: Socket) => void

export interface RawPeer {
  /** `http://127.0.0.1:<port>` */
  base: string
  close(): Promise<void>
}

export async function startRawPeer(behaviours: Record<string, PeerBehaviour>): Promise<RawPeer> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let head = ''
    socket.on('data', function onData(data: Buffer) {
      head += data.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      const behaviour = behaviours[/^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '']
      if (behaviour) behaviour(socket)
      else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
