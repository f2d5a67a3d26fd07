/** Authentication and authorisation of the Items API (items-api.md §5, §6). */
export type { AuthOutcome, AuthRefusal, AuthRequest, ItemsAuthenticator, Principal } from './contract.ts'
export { createItemsAuthenticator, MAINTENANCE_ACCESS, type ItemsAuthenticatorOptions } from './create-authenticator.ts'
export type { ItemsAuthConfig, ItemsAuthLogger } from './auth-options.ts'
export { WWW_AUTHENTICATE } from './refusals.ts'
export { chooseCredential, readCookie, type Credential } from './credential-choice.ts'
export { checkSesskey } from './session-auth.ts'
