import { findUser, type UserLookup } from '../../moodle/index.ts'
import { errorReply, ok, param, type EndpointContext, type EndpointHandler } from '../context.ts'

/** GET /user: one user by the first given of upn, username, email, id (§4.5). */
export const user: EndpointHandler = async (ctx) => {
  const lookup = lookupFrom(ctx)
  if (lookup === null) return errorReply('MB_USER_NO_PARAMETERS')
  if (lookup === 'not_found') return errorReply('MB_USER_NOT_FOUND')
  const row = await findUser(ctx.deps.moodle, lookup)
  if (!row) return errorReply('MB_USER_NOT_FOUND')
  return ok({ user: row })
}

function lookupFrom(ctx: EndpointContext): UserLookup | null | 'not_found' {
  const upn = param(ctx, 'upn')
  if (upn !== undefined) return { by: 'username', value: upn }
  const username = param(ctx, 'username')
  if (username !== undefined) return { by: 'username', value: username }
  const email = param(ctx, 'email')
  if (email !== undefined) return { by: 'email', value: email }
  const id = param(ctx, 'id')
  if (id === undefined) return null
  const n = /^\d{1,10}$/.test(id) ? Number(id) : 0
  return n >= 1 && n <= 2147483647 ? { by: 'id', value: n } : 'not_found'
}
