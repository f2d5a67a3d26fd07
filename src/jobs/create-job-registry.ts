import type { JobDefinition } from './define-job.ts'

/** The job types a worker runs, by name. */
export interface JobRegistry {
  get(name: string): JobDefinition<unknown> | undefined
  names(): string[]
}

/** A registry of job definitions; throws on a duplicate name. */
export function createJobRegistry(definitions: ReadonlyArray<JobDefinition<any>>): JobRegistry {
  const byName = new Map<string, JobDefinition<unknown>>()
  for (const definition of definitions) {
    if (byName.has(definition.name)) throw new Error(`job type defined twice: ${definition.name}`)
    byName.set(definition.name, definition as JobDefinition<unknown>)
  }
  return { get: (name) => byName.get(name), names: () => [...byName.keys()] }
}
