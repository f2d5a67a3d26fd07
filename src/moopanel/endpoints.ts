/** Allowed methods per endpoint, in the `Allow` header's order (moopanel-api.md §3.2). */
export const ENDPOINT_METHODS: Readonly<Record<string, readonly string[]>> = {
  test_connection: ['GET'],
  dashboard: ['GET'],
  api_key_status: ['GET', 'POST'],
  users: ['GET', 'POST'],
  user: ['GET', 'POST'],
  plugins: ['GET', 'POST'],
  plugin: ['GET', 'POST'],
  moodle_core: ['GET', 'POST'],
  admin_presets: ['GET'],
  tasks: ['GET'],
  courses: ['GET'],
  backups: ['GET', 'POST', 'PUT', 'DELETE'],
}

/** Endpoint names as metric labels: known names or `unknown`. */
export function endpointLabel(name: string): string {
  return Object.hasOwn(ENDPOINT_METHODS, name) ? name : 'unknown'
}
