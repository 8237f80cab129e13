/*
 * The sandbox's admin API over HTTP: the SandboxAdmin actions as JSON, for a person with curl or a test in another
 * process. Inputs come from the JSON body, the query string and the path (a number or a yes/no only from the body:
 * the query's values are text); errors are {"error":{"message"}} with 400.
 *
 *   GET    /_sandbox/clock                                          → {now}
 *   POST   /_sandbox/clock/advance                {ms}              → {now}
 *   POST   /_sandbox/portfolios                   {portfolioId?, maxPhoneNumbers?, verificationStatus?} → {portfolioId}
 *   POST   /_sandbox/portfolios/:portfolioId/cap  {maxPhoneNumbers?} (default 20)
 *   POST   /_sandbox/wabas                        {portfolioId, wabaId?} → {wabaId}
 *   POST   /_sandbox/wabas/:wabaId/restrictions   {restrictionType}
 *   POST   /_sandbox/wabas/:wabaId/partner-removal {disconnectionInfo?: {reason, initiated_by}}
 *   POST   /_sandbox/numbers/:phoneNumberId/disconnection {reason, initiated_by}
 *   POST   /_sandbox/tokens                       {wabaIds, scopes?} → {accessToken}
 *   POST   /_sandbox/wabas/:wabaId/revoke-tokens                    → {revoked} (its tokens answer 190 from then on)
 *   POST   /_sandbox/signup-codes                 {wabaId}          → {code}
 *   GET    /_sandbox/outbox[?phoneNumberId=][&e164=]                → OutboxEntry[] (both given: both must match)
 *   GET    /_sandbox/outbox/:phoneNumberId/latest                   → {code} (null when none reached the phone)
 *   POST   /_sandbox/lines/ivr                    {e164}
 *   POST   /_sandbox/lines/pin                    {e164, pin}
 *   GET    /_sandbox/lines/pin?e164=              → {pin} (null when two-step verification is off)
 *   POST   /_sandbox/coexistence                  {wabaId, e164, verifiedName} → {phoneNumberId}
 *   POST   /_sandbox/numbers/:phoneNumberId/display-name-decision {decision: APPROVED|REJECTED, rejectionReason?}
 *   POST   /_sandbox/numbers/:phoneNumberId/paid-message
 *   POST   /_sandbox/numbers/:phoneNumberId/status    {status}    (a registered number limited or lifted: FLAGGED, …)
 *   DELETE /_sandbox/numbers/:phoneNumberId
 *   POST   /_sandbox/numbers/:phoneNumberId/customers {waId, identityKeyHash}
 *   POST   /_sandbox/numbers/:phoneNumberId/customers/:waId/recycle  → {identityKeyHash} (a new identity for the wa_id)
 *   POST   /_sandbox/numbers/:phoneNumberId/inbound   {waId, text}  → {messageId}
 *   POST   /_sandbox/numbers/:phoneNumberId/statuses  {waId, recipientIdentityKeyHash?} → {messageId, status}
 *   POST   /_sandbox/faults                       {endpoint, kind, code?, details?, latencyMs?, times?, probability?}
 *   GET    /_sandbox/faults                       the faults still armed, each with the calls it has left
 *   DELETE /_sandbox/faults
 *   GET    /_sandbox/calls                                          → CallLogEntry[] (secrets redacted)
 *   DELETE /_sandbox/calls
 *   GET    /_sandbox/webhooks                                       → WebhookDelivery[]
 *   POST   /_sandbox/webhooks/flush                                 (answers once all are delivered or given up)
 *   PUT    /_sandbox/webhook-url                  {url: string|null}
 * Actions without a result answer {"ok":true}.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SandboxAdmin } from '../admin.js';
import { SandboxAdminError } from '../core.js';
import { disconnectionReasons, NAME_REJECTION_REASONS, restrictionTypes } from '../../graph/webhook-fields.js';
import { NAME_DECISIONS } from '../display-names.js';
import { businessVerificationStatuses, registeredStatuses } from '../model.js';
import { GraphApiError } from '../graph-error.js';
import { mergeParams } from './input.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Registration = (app: FastifyInstance, admin: SandboxAdmin) => void;

const ok = { ok: true } as const;
const id = z.string().min(1);
/** Graph's ids are digits: an id given to a new portfolio or WABA that is not could never be used by numberflow. */
const newId = z.string().regex(/^\d{1,32}$/, 'must be a Graph id: digits only, e.g. 820275891022003');
// A + typed into a query string (?e164=+1415…) arrives as a space: read as the + it was.
const e164 = z
  .string()
  .transform((value) => value.replace(/^ (?=\d)/, '+'))
  .pipe(z.string().regex(/^\+\d{6,15}$/, 'must be E.164, e.g. +14155552671 (%2B14155552671 in a query string)'));
const onNumber = z.object({ phoneNumberId: id });

function route<S extends z.ZodType>(
  method: Method,
  url: string,
  input: S,
  run: (admin: SandboxAdmin, input: z.output<S>) => unknown,
): Registration {
  return (app, admin) => {
    app.route({
      method,
      url,
      handler: async (request) => {
        const params = { ...mergeParams(request.query, request.body), ...(request.params as object) };
        const result = await run(admin, input.parse(params));
        return result === undefined ? ok : result;
      },
    });
  };
}

const routes: Registration[] = [
  route('GET', '/clock', z.object({}), (admin) => ({ now: admin.now() })),
  route('POST', '/clock/advance', z.object({ ms: z.number().int().min(0) }), (admin, i) => ({
    now: admin.advanceClock(i.ms),
  })),
  route(
    'POST',
    '/portfolios',
    z.object({
      portfolioId: newId.optional(),
      maxPhoneNumbers: z.number().int().min(1).optional(),
      verificationStatus: z.enum(businessVerificationStatuses).optional(),
    }),
    (admin, i) => admin.createPortfolio(i),
  ),
  route(
    'POST',
    '/portfolios/:portfolioId/cap',
    z.object({ portfolioId: id, maxPhoneNumbers: z.number().int().min(1).optional() }),
    (admin, i) => admin.raiseCap(i.portfolioId, i.maxPhoneNumbers),
  ),
  route('POST', '/wabas', z.object({ portfolioId: id, wabaId: newId.optional() }), (admin, i) => admin.createWaba(i)),
  // Only the restrictions the receiver knows: another would reach journeys as a shape Meta does not send.
  route(
    'POST',
    '/wabas/:wabaId/restrictions',
    z.object({ wabaId: id, restrictionType: z.enum(restrictionTypes) }),
    (admin, i) => admin.restrictWaba(i.wabaId, i.restrictionType),
  ),
  route(
    'POST',
    '/wabas/:wabaId/partner-removal',
    z.object({
      wabaId: id,
      disconnectionInfo: z
        .object({ reason: z.enum(disconnectionReasons), initiated_by: z.enum(['USER', 'SYSTEM']) })
        .optional(),
    }),
    (admin, i) => admin.removePartner(i.wabaId, i.disconnectionInfo),
  ),
  route(
    'POST',
    '/numbers/:phoneNumberId/disconnection',
    z.object({
      phoneNumberId: id,
      reason: z.enum(disconnectionReasons),
      initiated_by: z.enum(['USER', 'SYSTEM']),
    }),
    (admin, i) => admin.disconnectNumber(i.phoneNumberId, { reason: i.reason, initiated_by: i.initiated_by }),
  ),
  route('POST', '/tokens', z.object({ wabaIds: z.array(id).min(1), scopes: z.array(id).optional() }), (admin, i) => ({
    accessToken: admin.issueToken(i),
  })),
  route('POST', '/wabas/:wabaId/revoke-tokens', z.object({ wabaId: id }), (admin, i) => admin.revokeTokens(i.wabaId)),
  route('POST', '/signup-codes', z.object({ wabaId: id }), (admin, i) => admin.createSignupCode(i)),
  route('GET', '/outbox', z.object({ phoneNumberId: id.optional(), e164: e164.optional() }), (admin, i) =>
    admin.outbox(i),
  ),
  route('GET', '/outbox/:phoneNumberId/latest', onNumber, (admin, i) => ({
    code: admin.latestCode(i.phoneNumberId) ?? null,
  })),
  route('POST', '/lines/ivr', z.object({ e164 }), (admin, i) => admin.markIvr(i.e164)),
  route('POST', '/lines/pin', z.object({ e164, pin: z.string() }), (admin, i) => admin.presetTwoStepPin(i.e164, i.pin)),
  route('GET', '/lines/pin', z.object({ e164 }), (admin, i) => ({ pin: admin.twoStepPin(i.e164) ?? null })),
  route('POST', '/coexistence', z.object({ wabaId: id, e164, verifiedName: id }), (admin, i) =>
    admin.linkCoexistenceNumber(i),
  ),
  route(
    'POST',
    '/numbers/:phoneNumberId/display-name-decision',
    onNumber.extend({ decision: z.enum(NAME_DECISIONS), rejectionReason: z.enum(NAME_REJECTION_REASONS).optional() }),
    (admin, i) => admin.decideDisplayName(i.phoneNumberId, i.decision, i.rejectionReason),
  ),
  route('POST', '/numbers/:phoneNumberId/paid-message', onNumber, (admin, i) =>
    admin.recordPaidMessage(i.phoneNumberId),
  ),
  route('DELETE', '/numbers/:phoneNumberId', onNumber, (admin, i) => admin.deleteNumber(i.phoneNumberId)),
  route('POST', '/numbers/:phoneNumberId/status', onNumber.extend({ status: z.enum(registeredStatuses) }), (admin, i) =>
    admin.setNumberStatus(i.phoneNumberId, i.status),
  ),
  route('POST', '/numbers/:phoneNumberId/customers', onNumber.extend({ waId: id, identityKeyHash: id }), (admin, i) =>
    admin.setCustomerIdentity(i.phoneNumberId, i.waId, i.identityKeyHash),
  ),
  route('POST', '/numbers/:phoneNumberId/customers/:waId/recycle', onNumber.extend({ waId: id }), (admin, i) =>
    admin.recycleCustomer(i.phoneNumberId, i.waId),
  ),
  route('POST', '/numbers/:phoneNumberId/inbound', onNumber.extend({ waId: id, text: z.string() }), (admin, i) =>
    admin.deliverInbound(i.phoneNumberId, i.waId, i.text),
  ),
  route(
    'POST',
    '/numbers/:phoneNumberId/statuses',
    onNumber.extend({ waId: id, recipientIdentityKeyHash: z.string().optional() }),
    (admin, i) => admin.sendStatus(i.phoneNumberId, i.waId, { recipientIdentityKeyHash: i.recipientIdentityKeyHash }),
  ),
  route(
    'POST',
    '/faults',
    z.object({
      endpoint: z.string().min(1),
      kind: z.enum(['error', 'latency', 'drop_webhook', 'duplicate_webhook']),
      code: z.number().int().optional(),
      details: z.string().min(1).max(500).optional(),
      latencyMs: z.number().int().min(0).optional(),
      times: z.number().int().min(1).optional(),
      probability: z.number().min(0).max(1).optional(),
    }),
    (admin, i) => admin.injectFault(i),
  ),
  route('GET', '/faults', z.object({}), (admin) => admin.faults()),
  route('DELETE', '/faults', z.object({}), (admin) => admin.clearFaults()),
  route('GET', '/calls', z.object({}), (admin) => admin.calls()),
  route('DELETE', '/calls', z.object({}), (admin) => admin.clearCalls()),
  route('GET', '/webhooks', z.object({}), (admin) => admin.webhooks()),
  route('POST', '/webhooks/flush', z.object({}), (admin) => admin.flushWebhooks()),
  route('PUT', '/webhook-url', z.object({ url: z.url().nullable() }), (admin, i) =>
    admin.setWebhookUrl(i.url ?? undefined),
  ),
];

function adminErrorMessage(error: unknown): { status: number; message: string } {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return { status: 400, message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  if (error instanceof SandboxAdminError || error instanceof RangeError || error instanceof GraphApiError) {
    return { status: 400, message: error instanceof GraphApiError ? error.details : error.message };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status < 500) return { status, message: (error as Error).message };
  return { status: 500, message: 'unexpected sandbox failure (see the sandbox log)' };
}

export async function adminPlugin(
  app: FastifyInstance,
  options: { admin: SandboxAdmin; logger?: Logger },
): Promise<void> {
  for (const register of routes) register(app, options.admin);
  app.setErrorHandler((error, _request, reply) => {
    const { status, message } = adminErrorMessage(error);
    if (status >= 500) options.logger?.error({ err: error }, 'sandbox admin failure');
    return reply.code(status).send({ error: { message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { message: `no admin route ${request.method} ${request.url}` } }),
  );
}
