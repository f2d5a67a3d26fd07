import { createJobRegistry, type JobRegistry } from '../../jobs/index.ts'
import { createAdminPresetJob, settleJobWithoutCallbackJob } from './create-admin-preset.ts'
import { createBackupJob } from './create-backup.ts'
import { deleteBackupJob } from './delete-backup.ts'
import { refreshUpdateInfoJob } from './refresh-update-info.ts'
import { restoreBackupJob } from './restore-backup.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { sendCallbackJob } from './send-callback.ts'
import { uninstallPluginJob } from './uninstall-plugin.ts'
import { updatePluginsJob } from './update-plugins.ts'
import { installZipJob } from './install-zip-plugins.ts'
import { updateCoreJob } from './update-core.ts'

export type { MoopanelJobDeps } from './job-deps.ts'

/** The job types of the management API, bound to their dependencies. */
export function moopanelJobRegistry(deps: MoopanelJobDeps): JobRegistry {
  return createJobRegistry([createBackupJob(deps), deleteBackupJob(deps), sendCallbackJob(deps), uninstallPluginJob(deps), updatePluginsJob(deps), installZipJob(deps), updateCoreJob(deps), restoreBackupJob(deps), createAdminPresetJob(deps), settleJobWithoutCallbackJob(deps), refreshUpdateInfoJob(deps)])
}
