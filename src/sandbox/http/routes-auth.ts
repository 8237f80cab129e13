// Embedded Signup's server-to-server calls (docs/meta-graph-api.md#embedded-signup): exchanging the code for a token, and checking a
// token with the app token. Neither takes a user token.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SandboxCore } from '../core.js';
import { debugToken, exchangeSignupCode } from '../tokens.js';
import { nonEmptyText, parseInput } from './input.js';

const exchangeInput = z.object({
  client_id: nonEmptyText,
  client_secret: nonEmptyText,
  code: nonEmptyText,
  redirect_uri: z.string().optional(),
});

const debugInput = z.object({ input_token: nonEmptyText, access_token: z.string().optional() });

export function registerAuthRoutes(app: FastifyInstance, core: SandboxCore): void {
  app.get('/oauth/access_token', { config: { graphEndpoint: '/oauth/access_token' } }, async (request) => {
    const input = parseInput(exchangeInput, request.graphCall?.params ?? {});
    return exchangeSignupCode(core, { clientId: input.client_id, clientSecret: input.client_secret, code: input.code });
  });

  app.get('/debug_token', { config: { graphEndpoint: '/debug_token' } }, async (request) => {
    const call = request.graphCall;
    const input = parseInput(debugInput, call?.params ?? {});
    return debugToken(core, { inputToken: input.input_token, accessToken: call?.token ?? input.access_token });
  });
}
