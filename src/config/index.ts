export { loadConfig, parseConfig, describeOptions, ConfigError, type Config, type ConfigSources, type ItemsConfig } from './load-config.ts'
export { OPTIONS, ENV_ALIASES, envName, type OptionName } from './options.ts'
