// The codec server's caller check in the tests: a small token → roles table injected where production wires the
// API's principals (src/http/codec-routes.ts keeps the check injectable).
import type { Payload } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import { request } from 'undici';
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

/**
 * The payloads as the codec server shows them to a caller with `token` (what the Web UI and CLI display), each as
 * its JSON text, and the server's whole answer.
 */
export async function decodedByCodecServer(
  codecUrl: string,
  token: string | null,
  payloads: Payload[],
): Promise<{ texts: string[]; body: string }> {
  const response = await request(`${codecUrl}/decode`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-namespace': 'default',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ payloads: payloads.map(payloadToJson) }),
  });
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`the codec server answered ${response.statusCode}: ${body}`);
  const decoded = (JSON.parse(body) as { payloads: { data: string }[] }).payloads;
  return { texts: decoded.map((p) => Buffer.from(p.data, 'base64').toString('utf8')), body };
}

/** A payload in Temporal's remote-codec JSON (proto3 JSON: bytes as base64). */
export interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

export function payloadToJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}
