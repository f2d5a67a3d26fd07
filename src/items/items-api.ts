import type { AddressList } from '../shared/client-address.ts'
import type { CorsOptions } from './http/cors.ts'
import type { RateLimiter } from './http/rate-limiter.ts'
import type { ItemsSwitches } from './http/switches.ts'
import type { ItemTypeRegistry } from './item-types/registry.ts'
import type { Caller, ItemsCore } from './operations/items-core.ts'
import type { AuthenticatedUser } from './public-api.ts'
import type { OpenApiDocuments } from './routes/openapi-routes.ts'

// The built API's shape, apart from its construction (create-items-api.ts), so the route table
// and the OpenAPI builder can name it without importing what builds them.

/** HTTP settings of the API (§2.3). */
export interface ItemsHttpOptions {
  mountPath: string
  maxBodyBytes: number
  cors: CorsOptions
}

/** The built Items API: everything the Fastify plugin needs. */
export interface ItemsApi {
  core: ItemsCore
  registry: ItemTypeRegistry
  options: ItemsHttpOptions
  switches: ItemsSwitches
  limiters: { ip: RateLimiter; user: RateLimiter } | null
  trusted: AddressList
  /** Many sites: trips the site's circuit breaker when its database cannot be reached (seconds until it is tried again). */
  onUnavailable?: ((error: unknown) => number) | undefined
  openapi: OpenApiDocuments
  userOf(caller: Caller): Promise<AuthenticatedUser>
  close(): Promise<void>
}
