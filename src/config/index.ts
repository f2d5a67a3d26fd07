export { loadConfig, parseConfig, describeOptions, ConfigError, type Config, type ConfigSources } from './load-config.ts'
export { OPTIONS, ENV_ALIASES, envName, type OptionName } from './options.ts'
