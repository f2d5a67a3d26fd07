/**
 * Fault injection for the crash tests (issue #3: "kill -9 the service during a plugin swap"): when
 * the environment variable `MOODLE_BRIDGE_CRASH_AT` names this point, the process kills itself
 * with SIGKILL right here, as a power cut would. Never set in production; a no-op otherwise.
 */
export function crashPoint(name: string): void {
  if (process.env['MOODLE_BRIDGE_CRASH_AT'] === name) process.kill(process.pid, 'SIGKILL')
}
