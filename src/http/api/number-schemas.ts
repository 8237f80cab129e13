// The shapes of /v1/numbers/{e164}/…, as the service checks and answers them and the command line reads them.
import { z } from 'zod';
import { verificationMethods, MAX_CONFIRMATION_NOTE } from '../../domain/identity.js';
import { CONTROL_CHARACTER } from '../../domain/operator-input.js';
import { hashSources, trustStates } from '../../stores/identity-store.js';
import { e164Params, queryInteger, waIdSchema } from './schemas.js';

export const sentAnswer = z
  .object({
    messageId: z.string().describe("Meta's message id (its status webhooks name it)"),
    withHash: z.string().nullable().describe("the prefix of the customer's identity hash sent with it, if any"),
    reverifying: z.boolean().describe('sent without the hash to bring back a re-verified customer’s new one'),
  })
  .meta({ id: 'SentMessage' });

export const untrustedAnswer = z
  .object({
    customers: z.array(
      z.object({
        waId: z.string(),
        state: z.enum(trustStates),
        since: z.string(),
        detail: z.string(),
        messageId: z.string().nullable(),
      }),
    ),
    total: z.number().int().describe("how many of the number's customers are not trusted now, on every page"),
  })
  .meta({ id: 'UntrustedCustomers' });

// A customer who never answers stays untrusted for good: the list is paged, the latest change of state first.
export const untrustedQuery = z
  .object({
    pageSize: queryInteger(1, 500, 100, 'customers a page'),
    offset: queryInteger(0, Number.MAX_SAFE_INTEGER, 0, 'how many of the latest to skip'),
  })
  .strict();

export const reportedHash = z.object({
  hashPrefix: z.string().describe('the first characters of the hash only'),
  metaTimestamp: z.number().describe("Meta's timestamp of the message or status that carried it (unix seconds)"),
  source: z.enum(hashSources),
  recordedAt: z.string(),
});
export const customerIdentityAnswer = z
  .object({
    waId: z.string(),
    current: reportedHash.nullable(),
    history: z.array(reportedHash).describe("one entry per change of hash, in Meta's order"),
    trust: z.enum(['trusted', ...trustStates]),
  })
  .meta({ id: 'CustomerIdentity' });

export const confirmationBody = z
  .object({
    method: z
      .enum(verificationMethods) // zod-words: "is required", or "must be one of phone_call, email, …"
      .describe('how the customer was re-verified outside WhatsApp'),
    note: z
      .string()
      .trim()
      .min(1)
      .max(MAX_CONFIRMATION_NOTE)
      .refine((text) => !CONTROL_CHARACTER.test(text), 'must be one line of text, without control characters')
      .optional()
      .describe('what was checked; no secrets'),
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        "the customer's `since` as the operator saw it (the identities list's): refused, 409, when the customer's identity changed again after it, so that a confirmation goes to the change that was re-verified",
      ),
  })
  .strict();

export const confirmedAnswer = z.object({ message: z.string() }).meta({ id: 'IdentityConfirmed' });

export const customerParams = e164Params.extend({ waId: waIdSchema });
