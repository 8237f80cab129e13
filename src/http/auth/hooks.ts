// The API's Fastify hooks: `authenticate` finds the bearer token's principal (401 without one), `authorize` adds the
// role check (403 naming the roles needed). Both run on onRequest, before the body is read or validated. Exported for
// every route family that joins the service (the console, the codec endpoints).
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { ApiError } from '../errors.js';
import type { PrincipalDirectory } from './directory.js';
import { holdsAny, permissions, seesPortfolio, type Permission, type Principal } from './principals.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`; null before it ran. */
    principal: Principal | null;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null (none of a header sent twice). */
export function bearerTokenOf(request: FastifyRequest): string | null {
  return authorizationSentTwice(request) ? null : tokenIn(request.headers.authorization);
}

const tokenIn = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;

/**
 * Whether Authorization came more than once: Node keeps the first, a proxy in front may have read another, so neither
 * is taken.
 */
function authorizationSentTwice(request: FastifyRequest): boolean {
  const raw = request.raw?.rawHeaders ?? [];
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'authorization') seen++;
  return seen > 1;
}

export function authenticate(directory: PrincipalDirectory): onRequestHookHandler {
  return (request, _reply, done) => {
    const header = request.headers.authorization;
    if (header === undefined) {
      return done(new ApiError(401, 'unauthorized', 'a bearer token is required: send Authorization: Bearer <token>'));
    }
    if (authorizationSentTwice(request)) {
      return done(new ApiError(401, 'unauthorized', 'the Authorization header is sent more than once: send one'));
    }
    const token = tokenIn(header);
    if (!token) {
      // A token sent without its scheme, or another scheme: said so, not taken for an unknown token.
      return done(
        new ApiError(
          401,
          'unauthorized',
          'the Authorization header must be Bearer <token> (one token, no other scheme)',
        ),
      );
    }
    const principal = directory.identify(token);
    if (!principal) {
      return done(
        new ApiError(
          401,
          'unauthorized',
          'the bearer token is not one of this service; ask for a token (numberflow api-token new)',
        ),
      );
    }
    request.principal = principal;
    done();
  };
}

/** The hooks of a route: who the caller is, then whether one of its roles may do this. */
export function authorize(directory: PrincipalDirectory, permission: Permission): onRequestHookHandler[] {
  const check: onRequestHookHandler = (request, _reply, done) => {
    try {
      ensureMay(principalOf(request), permission);
      done();
    } catch (err) {
      done(err as ApiError);
    }
  };
  return [authenticate(directory), check];
}

/** Refuses (403, naming the roles needed) a principal none of whose roles may do this. */
export function ensureMay(principal: Principal, permission: Permission): void {
  const allowed = permissions[permission];
  if (holdsAny(principal, allowed)) return;
  const has = principal.roles.join(', ');
  throw new ApiError(403, 'forbidden', `this needs the ${allowed.join(' or ')} role; ${principal.name} has ${has}`);
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('the route has no authenticate hook');
  return request.principal;
}

/**
 * A journey or portfolio outside the caller's portfolios is answered like one that does not exist, so a caller
 * learns nothing of other portfolios.
 */
export function ensureSees(principal: Principal, portfolioId: string, notFound: string): void {
  if (!seesPortfolio(principal, portfolioId)) throw new ApiError(404, 'not_found', notFound);
}
