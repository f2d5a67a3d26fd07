/** Package handling for plugin and core installs: safe download, safe unpacking, plugin package checks. */
export {
  checkDownloadUrl,
  hostAllowed,
  normaliseHost,
  isIpLiteral,
  DOWNLOAD_URL_NOT_ALLOWED_MESSAGE,
  type DownloadUrlPolicy,
} from './url-policy.ts'
export {
  downloadPackage,
  DOWNLOAD_FAILED_MESSAGE,
  DOWNLOAD_TOO_LARGE_MESSAGE,
  DOWNLOAD_CHECKSUM_MESSAGE,
  type DownloadOptions,
  type DownloadResult,
} from './download-package.ts'
export { unzipPackage, checkName as checkZipEntryName, INVALID_ZIP_MESSAGE, type UnzipOptions, type UnzipResult } from './unzip-package.ts'
export {
  inspectPluginPackage,
  splitComponent,
  PluginPackageError,
  INVALID_PACKAGE_MESSAGE,
  type InspectPluginOptions,
  type PluginPackage,
  type PluginVersionFacts,
  type ReadPluginVersion,
} from './inspect-plugin-package.ts'
export { writeEncryptedZip } from './write-encrypted-zip.ts'
export { extractEncryptedEntry, type ExtractEntryOptions, type ExtractedEntry } from './read-encrypted-zip.ts'
