/** The Items API (items-api.md): its Fastify plugin, its start-up, the OpenAPI document, the extension API. */
export { itemsPlugin } from './http/items-plugin.ts'
export { createItemsApi, type ItemsApi, type ItemsApiOptions } from './create-items-api.ts'
export { loadRegistry, type RegistryConfig } from './item-types/load-registry.ts'
export { RegistryError, type ItemTypeRegistry } from './item-types/registry.ts'
export { buildOpenApiDocuments, openApiInputs, mountPathOf, serviceVersion } from './openapi/openapi-documents.ts'
export type { ItemsAuthenticator, Principal, AuthOutcome, AuthRequest } from './auth/contract.ts'
export { createItemsAuthenticator } from './auth/index.ts'
export * from './public-api.ts'
