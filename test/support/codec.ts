// The codec server's caller check in the tests: a small token → roles table injected where production wires the
// API's principals (src/http/codec-routes.ts keeps the check injectable).
import type { FastifyRequest } from 'fastify';
import { codecAuthorizationFor } from '../../src/http/codec-routes.js';

export const CODEC_TOKENS = {
  auditor: 'auditor-token-5c1f',
  operator: 'operator-token-9a2e',
  /** An onboarding service: it starts journeys, it does not read histories. */
  onboarding: 'onboarding-token-77d0',
} as const;

const rolesByToken = new Map<string, string[]>(Object.entries(CODEC_TOKENS).map(([role, token]) => [token, [role]]));

export function testTokenCheck(request: FastifyRequest) {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  return codecAuthorizationFor(token === undefined ? undefined : rolesByToken.get(token));
}
