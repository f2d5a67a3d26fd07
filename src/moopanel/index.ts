/** The MooPanel-compatible management API. */
export { moopanelPlugin } from './moopanel-plugin.ts'
export { KeyState, fingerprintOf, setApiSwitch, storeNewKey } from './key-state.ts'
export type { MoopanelDeps, MoopanelOptions } from './context.ts'
export { MoopanelMetrics } from './metrics.ts'
export { moopanelJobRegistry, type MoopanelJobDeps } from './jobs/index.ts'
export { moodleGate } from './jobs/moodle-gate.ts'
export { CallbackPacer } from './callbacks/callback-schedule.ts'
export { startUpdateRefresh, requestUpdateRefreshIfDue, type UpdateCheckOptions } from './jobs/refresh-update-info.ts'
