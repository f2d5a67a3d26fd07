import { ConfigError, envName, type ItemsConfig } from '../../config/index.ts'

/** The configuration options the Items API's authentication reads (items-api.md §2.3). */
export type ItemsAuthConfig = Pick<ItemsConfig,
  | 'items_settings_cache_s'
  | 'items_moodle_config'
  | 'items_jwt_hs256_secret'
  | 'items_jwt_public_key'
  | 'items_jwt_jwks_url'
  | 'items_jwt_issuer'
  | 'items_jwt_audience'
  | 'items_jwt_clock_tolerance_s'
  | 'items_jwt_username_claim'
  | 'items_wstoken_enabled'
  | 'items_wstoken_allowed_services'
  | 'items_wstoken_update_lastaccess'
  | 'items_session_handler'
  | 'items_session_file_save_path'
>

/** What the authenticator logs: failed authentications (warning, with the internal cause) and start-up notes. */
export interface ItemsAuthLogger {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

/** A start-up error naming the option (and its environment variable), never its value. */
export function optionError(option: string, problem: string): ConfigError {
  return new ConfigError(`invalid configuration\n  ${option} (${envName(option)}): ${problem}`)
}
