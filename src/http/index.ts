/** The HTTP server that serves the APIs. */
export { buildServer, type ServerOptions } from './build-server.ts'
