// /v1/numbers/{e164}/…: what a live number does with its customers. `messages` sends a text through the guarded send
// (with the identity check on: the customer's stored hash, refused for an untrusted customer — 409 naming the way
// out); `identities` lists the customers not trusted now; `identities/{waId}/confirmation` is the operator's
// confirmation that the customer was re-verified outside WhatsApp, sent to their `customerIdentity` workflow.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { IdentityConfirmation } from '../../domain/identity.js';
import { customersNumberOf } from '../../domain/journey.js';
import { GraphError } from '../../graph/errors.js';
import { confirmCustomer, NotAwaitingConfirmationError } from '../../identity/confirm.js';
import { guardedSend, IdentityRefusedError, type IdentityRefusalCode } from '../../identity/guarded-send.js';
import { NumberNotLiveError, sendRequestOf } from '../../identity/live-number.js';
import { identityReporters } from '../../identity/report-mismatch.js';
import { hashPrefix, type IdentityStore, type StoredHash } from '../../stores/identity-store.js';
import type { GraphClient } from '../../graph/client.js';
import { principalOf } from '../auth/hooks.js';
import { describeJourneyFor } from '../auth/journey-scope.js';
import type { Principal } from '../auth/principals.js';
import { ApiError, type ErrorCode } from '../errors.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import {
  confirmationBody,
  confirmedAnswer,
  customerIdentityAnswer,
  customerParams,
  sentAnswer,
  untrustedAnswer,
  untrustedQuery,
} from './number-schemas.js';
import { e164Params, messageBody } from './schemas.js';

/** The operator's confirmation as the workflow takes it: the actor is always the principal, never the caller's say. */
export const confirmationBy = (
  principal: Principal,
  body: z.output<typeof confirmationBody>,
): IdentityConfirmation => ({
  actor: principal.name,
  method: body.method,
  ...(body.note ? { note: body.note } : {}),
});

function needs<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new ApiError(
      501,
      'not_configured',
      `this service process has no ${what}: start it with npm start or npm run service`,
    );
  }
  return value;
}

/** A message id in the service's log: the first 16 hex digits of its SHA-256 (`printf %s <id> | sha256sum`). */
function messageRef(messageId: string): string {
  return createHash('sha256').update(messageId).digest('hex').slice(0, 16);
}

export function numberRoutes(app: ZodApp, context: ApiContext): void {
  const operate = secured(context, 'operate', ['numbers']);
  const read = secured(context, 'read', ['numbers']);
  const reporters = identityReporters(context.client, context.taskQueue);

  app.post(
    '/v1/numbers/:e164/messages',
    {
      ...operate,
      schema: {
        ...operate.schema,
        summary: 'send a text message from a live number (with the identity check on, guarded by the customer’s hash)',
        params: e164Params,
        body: messageBody,
        response: { 200: sentAnswer.describe('sent: Meta took the message'), ...errors(400, 404, 409, 413, 415, 501) },
      },
    },
    async (request) => {
      const { e164 } = request.params;
      const principal = principalOf(request);
      const view = await describeJourneyFor(context.client, principal, e164);
      const deps = {
        graph: needs<GraphClient>(context.graph, 'Graph client'),
        identities: needs<IdentityStore>(context.identities, 'identity store'),
        ...reporters,
      };
      try {
        const sent = await guardedSend(deps, { ...sendRequestOf(view, request.body), actor: principal.name });
        // Who sent which message: a status that later carries Meta's 137000 names only its id. Not the id itself:
        // Meta's ids encode the customer's number. Its digest (messageRef) finds the line from the id in the audit.
        request.log.info(
          {
            number: e164,
            messageRef: messageRef(sent.messageId),
            principal: principal.name,
            reverifying: sent.reverifying,
          },
          'message sent',
        );
        return sent;
      } catch (err) {
        if (err instanceof IdentityRefusedError) throw new ApiError(409, apiCodeOf[err.code], err.message);
        if (err instanceof NumberNotLiveError) throw new ApiError(409, 'conflict', err.message);
        if (err instanceof GraphError)
          throw new ApiError(409, 'refused', `Meta refused the message: ${err.metaMessage}`);
        throw err;
      }
    },
  );

  app.get(
    '/v1/numbers/:e164/identities',
    {
      ...read,
      schema: {
        ...read.schema,
        summary:
          "the number's customers not trusted now (a 137000 until an operator's confirmation brings the new hash), " +
          'the latest change first, a page at a time',
        params: e164Params,
        querystring: untrustedQuery,
        response: {
          200: untrustedAnswer.describe("the number's customers not trusted now, the latest change first"),
          ...errors(400, 404, 501),
        },
      },
    },
    async (request) => {
      const { e164 } = request.params;
      const { pageSize, offset } = request.query;
      const phoneNumberId = customersNumberOf(await describeJourneyFor(context.client, principalOf(request), e164));
      if (!phoneNumberId) return { customers: [], total: 0 };
      const identities = needs(context.identities, 'identity store');
      const page = await identities.untrustedPage(phoneNumberId, { limit: pageSize, offset });
      return { customers: page.customers.map(({ phoneNumberId: _id, ...customer }) => customer), total: page.total };
    },
  );

  const audit = secured(context, 'audit', ['numbers']);
  const reported = ({ hash, ...rest }: StoredHash) => ({ hashPrefix: hashPrefix(hash), ...rest });
  app.get(
    '/v1/numbers/:e164/identities/:waId',
    {
      ...audit,
      schema: {
        ...audit.schema,
        summary: "a customer's identity hashes as Meta reported them (prefixes only) and whether they are trusted",
        params: customerParams,
        response: {
          200: customerIdentityAnswer.describe("what numberflow holds of one customer's identity"),
          ...errors(400, 404, 501),
        },
      },
    },
    async (request) => {
      const { e164, waId } = request.params;
      const view = await describeJourneyFor(context.client, principalOf(request), e164);
      const identities = needs(context.identities, 'identity store');
      const key = { phoneNumberId: customersNumberOf(view) ?? '-', waId };
      const [current, history, trust] = await Promise.all([
        identities.current(key),
        identities.history(key),
        identities.trust(key),
      ]);
      return {
        waId,
        current: current ? reported(current) : null,
        history: history.map(reported),
        trust: trust?.state ?? ('trusted' as const),
      };
    },
  );

  app.post(
    '/v1/numbers/:e164/identities/:waId/confirmation',
    {
      ...operate,
      schema: {
        ...operate.schema,
        summary:
          "confirm an untrusted customer's identity, re-verified outside WhatsApp (the next send goes without the hash)",
        params: customerParams,
        body: confirmationBody,
        response: {
          200: confirmedAnswer.describe("the customer's new identity confirmed"),
          ...errors(400, 404, 409, 413, 415, 501),
        },
      },
    },
    async (request) => {
      const { e164, waId } = request.params;
      const principal = principalOf(request);
      const view = await describeJourneyFor(context.client, principal, e164);
      const confirmation = confirmationBy(principal, request.body);
      const identities = needs(context.identities, 'identity store');
      try {
        const seen = request.body.since;
        return await confirmCustomer({ ...context, identities }, view, waId, confirmation, { seenSince: seen });
      } catch (err) {
        if (err instanceof NotAwaitingConfirmationError)
          throw err.known ? new ApiError(409, 'conflict', err.message) : new ApiError(404, 'not_found', err.message);
        if (err instanceof NumberNotLiveError) throw new ApiError(409, 'conflict', err.message);
        throw err;
      }
    },
  );
}

/** A refused send's code in the API's words. */
const apiCodeOf: Record<IdentityRefusalCode, ErrorCode> = {
  CUSTOMER_UNTRUSTED: 'customer_untrusted',
  IDENTITY_MISMATCH: 'identity_mismatch',
  TRUST_CHANGED: 'conflict',
};
