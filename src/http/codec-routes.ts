// The codec server: Temporal's remote-codec endpoints, which the Web UI (--ui-codec-endpoint, or a production UI's
// codec setting) and the CLI (--codec-endpoint) call to show payloads. Decoding decrypts the payload layer and never
// unseals: a sealed code, PIN or token reads "[sealed]", everything else in clear. Encoding (the UI's "send signal")
// seals secret fields with the public key, then encrypts with the active payload key, as a client of numberflow does.
import cors from '@fastify/cors';
import type { Payload } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isLoopback } from '../config.js';
import { AesGcmCodec, UndecryptablePayloadError, type CodecKeys } from '../codec/aes-gcm-codec.js';
import { SealingCodec } from '../codec/sealing-codec.js';
import type { SecretsKeyring } from '../codec/sealing.js';

export type CodecAuthorization = 'ok' | 'unauthorized' | 'forbidden';

/** Roles that may read decoded histories (and encode for the UI): everyone but the onboarding services. */
export const codecRoles = ['auditor', 'operator', 'admin'] as const;

export interface CodecRoutesOptions {
  codecKeys: CodecKeys;
  secrets: SecretsKeyring;
  /** The namespace whose payloads these keys protect; a request naming another (X-Namespace) is refused. */
  namespace: string;
  /** Web UI origins allowed to call from a browser (CORS). */
  corsOrigins: readonly string[];
  /** Who may call: a bearer token's principal with one of codecRoles, or the embedded default's loopback trust. */
  authorize: (request: FastifyRequest) => CodecAuthorization | Promise<CodecAuthorization>;
}

/** The answer for a caller with these roles (undefined: no principal, e.g. a missing or unknown token). */
export function codecAuthorizationFor(roles: readonly string[] | undefined): CodecAuthorization {
  if (!roles) return 'unauthorized';
  return roles.some((role) => (codecRoles as readonly string[]).includes(role)) ? 'ok' : 'forbidden';
}

/**
 * The embedded single-machine default's check: a caller on this machine (the browser showing the embedded Web UI,
 * the CLI) is trusted without a token; anyone else is not. Only for a service listening on loopback with no proxy
 * in front, where the peer address is the caller's: a request a proxy forwarded (it says so in its headers) comes
 * from elsewhere, and needs a token like any other. And only when it names this machine in `Host`: a page of
 * another site whose name was rebound to 127.0.0.1 (DNS rebinding) reaches the service from the browser on this
 * machine, but names its own site.
 */
export const trustLoopbackCallers = (request: FastifyRequest): CodecAuthorization =>
  isLoopback(request.socket.remoteAddress ?? '') &&
  namesLoopback(request.headers.host) &&
  !FORWARDED.some((name) => request.headers[name] !== undefined)
    ? 'ok'
    : 'unauthorized';

/** A Host header's name: a bracketed IPv6 address or a plain name, and a port (nothing else: no user, no path). */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** Whether a Host header names this machine (127.0.0.1, [::1], localhost, with or without a port). */
function namesLoopback(host: string | undefined): boolean {
  const name = host === undefined ? undefined : HOST_HEADER.exec(host)?.[1];
  return name !== undefined && isLoopback(name);
}

/** The headers reverse proxies add to what they forward. */
const FORWARDED = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
  'via',
] as const;

const base64 = z.base64('must be base64');
// proto3 JSON leaves an empty list out: the CLI's query without arguments sends {} to /encode.
const payloadsSchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }).loose())
    .default([]),
});
type JsonPayload = { metadata?: Record<string, string>; data?: string };

export async function codecRoutes(app: FastifyInstance, options: CodecRoutesOptions): Promise<void> {
  await app.register(cors, {
    origin: [...options.corsOrigins],
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace'],
    credentials: true,
    maxAge: 600,
  });
  const sealing = new SealingCodec(options.secrets);
  const encryption = new AesGcmCodec(options.codecKeys); // throws on a payload of a missing key, naming it
  const display = sealing.redacting();

  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const verdict = await options.authorize(request);
    if (verdict === 'unauthorized') {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({
        message:
          "the codec server needs an auditor, operator or admin token (Authorization: Bearer …), or the console's session cookie of one",
      });
    }
    if (verdict === 'forbidden') {
      return reply
        .code(403)
        .send({ message: `reading histories needs one of the roles ${codecRoles.join(', ')}; this token has none` });
    }
    const namespace = request.headers['x-namespace'];
    if (typeof namespace === 'string' && namespace !== '' && namespace !== options.namespace) {
      return reply.code(400).send({
        message: `this codec server holds the keys of namespace "${options.namespace}", not "${namespace}"`,
      });
    }
  };

  const route = (path: string, transform: (payloads: Payload[]) => Promise<Payload[]>) =>
    app.post(path, { preHandler: guard }, async (request, reply) => {
      const body = payloadsSchema.safeParse(request.body);
      if (!body.success) {
        return reply
          .code(400)
          .send({ message: `expected {"payloads":[{"metadata":{…},"data":"…"}]}: ${body.error.message}` });
      }
      try {
        return { payloads: (await transform(body.data.payloads.map(fromJson))).map(toJson) };
      } catch (err) {
        if (!(err instanceof UndecryptablePayloadError)) throw err;
        return reply.code(400).send({ message: err.message }); // names the key id, never the payload
      }
    });

  route('/decode', async (payloads) => display.decode(await encryption.decode(payloads)));
  route('/encode', async (payloads) => encryption.encode(await sealing.encode(payloads)));
}

function fromJson(payload: { metadata?: Record<string, string> | null; data?: string | null }): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}
