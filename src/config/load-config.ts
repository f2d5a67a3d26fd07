import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parse as parseYaml } from 'yaml'
import { ENV_ALIASES, OPTIONS, SECRET_OPTIONS, envName, type OptionName } from './options.ts'

type Schemas = { [K in OptionName]: (typeof OPTIONS)[K]['schema'] }
const ConfigSchema = z.object(
  Object.fromEntries(Object.entries(OPTIONS).map(([name, o]) => [name, o.schema])) as unknown as Schemas,
)

/** The validated configuration: every option of `OPTIONS`, defaults applied. */
export type Config = z.infer<typeof ConfigSchema>

/**
 * The Items API's slice of the configuration: its own options (`items_*`, `mdg_*`) and the
 * process-wide ones it reads. The Items API receives this, never the whole `Config`.
 */
export type ItemsConfig = Pick<Config, Extract<keyof Config, `items_${string}` | `mdg_${string}`> | 'trusted_proxies'>

/** Where option values come from, lowest precedence first: file, environment, flags. */
export interface ConfigSources {
  file?: string
  env?: NodeJS.ProcessEnv
  flags?: Partial<Record<OptionName, unknown>>
}

/** Thrown when the configuration is invalid; the message lists every problem, never a secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Reads the config file (YAML or JSON), the environment and the flags, and validates the merge. */
export async function loadConfig(sources: ConfigSources): Promise<Config> {
  const fromFile = sources.file ? await readConfigFile(sources.file) : {}
  const fromEnv = readEnv(sources.env ?? {})
  const fromFlags = Object.fromEntries(Object.entries(sources.flags ?? {}).filter(([, v]) => v !== undefined))
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv, ...fromFlags }
  return parseConfig(merged)
}

/** Validates an already merged option object. */
export function parseConfig(input: Record<string, unknown>): Config {
  const unknown = Object.keys(input).filter((k) => !(k in OPTIONS))
  const result = ConfigSchema.safeParse(input)
  const problems: string[] = unknown.map((k) => `${k}: unknown option`)
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '')
      const detail = SECRET_OPTIONS.has(name as OptionName) ? secretMessage(issue) : issue.message
      problems.push(`${name} (${envName(name)}): ${detail}`)
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(`invalid configuration\n  ${problems.join('\n  ')}`)
  const config = result.data
  if (config.api_enabled && !config.api_key) {
    throw new ConfigError(`invalid configuration\n  api_key (${envName('api_key')}): required when api_enabled is true`)
  }
  return config
}

function secretMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small') return `too short (at least ${String(issue.minimum)} characters)`
  return 'invalid value'
}

function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(OPTIONS)) {
    const value = env[envName(name)]
    if (value !== undefined && value !== '') out[name] = value // an empty variable counts as unset
  }
  for (const [alias, option] of Object.entries(ENV_ALIASES)) {
    const value = env[alias]
    if (value !== undefined && value !== '' && out[option] === undefined) out[option] = value
  }
  return out
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  let data: unknown
  try {
    data = parseYaml(text) // YAML is a superset of JSON
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML/JSON: ${(error as Error).message}`)
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`config file ${file} must hold a mapping`)
  return data as Record<string, unknown>
}

/** Option list for `--help` and the README: name, environment variable, description. */
export function describeOptions(): Array<{ name: string; env: string; doc: string }> {
  return Object.entries(OPTIONS).map(([name, o]) => ({ name, env: envName(name), doc: o.doc }))
}
