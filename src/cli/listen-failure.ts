import { envName } from '../config/index.ts'
import { ListenError } from '../shared/listen-error.ts'

/** Which options set each listener's address, as an operator types them. */
const SET_BY = {
  api: `host and port: --host, --port, ${envName('host')}, ${envName('port')}`,
  ops: `ops_listen, ${envName('ops_listen')}`,
} as const

const NAMES = { api: 'the API listener', ops: 'the operations listener' } as const

/** What to do about it, by error code. */
function hint(error: ListenError): string {
  const off = error.listener === 'ops' ? ', or ops_listen: off' : ''
  switch (error.code) {
    case 'EADDRINUSE':
      return `is another moodle-bridge (or another program) listening there? Choose another port${off}`
    case 'EACCES':
    case 'EPERM':
      return `ports below 1024 need privileges: choose a port of 1024 or above${off}`
    case 'EADDRNOTAVAIL':
      return `no network interface here has that address: use one it has, 127.0.0.1 or 0.0.0.0${off}`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return `give an IP address or a host name this machine resolves${off}`
    default:
      return `check the address${off}`
  }
}

/**
 * The one-line explanation of a listener that could not bind, e.g. `cannot listen on
 * 127.0.0.1:9464 for the operations listener (ops_listen, MOODLE_BRIDGE_OPS_LISTEN): address
 * already in use — is another moodle-bridge (or another program) listening there? …`.
 */
export function describeListenError(error: ListenError): string {
  return `cannot listen on ${error.address} for ${NAMES[error.listener]} (${SET_BY[error.listener]}): ${error.reason} — ${hint(error)}`
}
