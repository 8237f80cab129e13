// The allow-list of what the audit reads from decoded payloads. A zod object keeps only the keys it names and drops
// every other one, so a code, a PIN or a carried state can never reach a timeline, whatever a payload holds. Each
// schema is checked against the domain's own type, so a renamed field breaks the build instead of vanishing.
import { z } from 'zod';
import type { NumberEvent } from '../domain/events.js';
import {
  codeMethods,
  onboardingPaths,
  pinPolicies,
  type JourneyInput,
  type JourneyNote,
  type JourneyResult,
} from '../domain/journey.js';
import type {
  CancelRequest,
  DeletionConfirmation,
  DisplayNameSubmission,
  PinRevealRequest,
  RemovalRequest,
  ResendRequest,
  IdentityCheckRequest,
  SubmissionOutcome,
  TestMessageRequest,
} from '../domain/messages.js';
import {
  verificationMethods,
  type IdentityConfirmation,
  type IdentityHashStored,
  type IdentityMismatch,
  type IdentityUnhashedSend,
} from '../domain/identity.js';
import type { MetaError } from '../domain/meta-error.js';
import { smbSyncTypes, type PresentNumber } from '../domain/number.js';
import type { CapRefusal, SlotAnswer, SlotRelease } from '../domain/portfolio.js';
import { journeyOutcomes } from '../domain/stages.js';

/** The value as the schema allows it, or undefined when it does not fit. */
export function allowed<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export const journeyStartFields = z.object({
  wabaId: z.string(),
  portfolioId: z.string(),
  phoneNumber: z.object({ e164: z.string() }),
  displayName: z.string(),
  path: z.enum(onboardingPaths),
  codeMethod: z.enum(codeMethods),
  ivr: z.boolean(),
  signupAt: z.string(),
  signupWindow: z.boolean().optional(),
  phoneNumberId: z.string().optional(),
  pinPolicy: z.enum(pinPolicies),
  requestedBy: z.string(),
}) satisfies z.ZodType<Omit<JourneyInput, 'phoneNumber' | 'identityCheck' | 'language'> & { phoneNumber: object }>;

export const actorField = z.object({ actor: z.string() }) satisfies z.ZodType<DeletionConfirmation>;
export const displayNameFields = z.object({
  actor: z.string(),
  displayName: z.string(),
}) satisfies z.ZodType<DisplayNameSubmission>;
export const cancelFields = z.object({ actor: z.string(), reason: z.string() }) satisfies z.ZodType<CancelRequest>;
export const removalFields = z.object({
  actor: z.string(),
  role: z.string(),
  reason: z.string(),
}) satisfies z.ZodType<RemovalRequest>;
export const pinRevealFields = z.object({
  actor: z.string(),
  role: z.string(),
  reason: z.string(),
}) satisfies z.ZodType<PinRevealRequest>;
export const resendFields = z.object({
  actor: z.string(),
  method: z.enum(codeMethods).optional(),
}) satisfies z.ZodType<ResendRequest>;

export const outcomeFields = z.object({
  accepted: z.boolean(),
  message: z.string(),
  attemptsLeft: z.number().int().nullable(),
  pending: z.boolean().optional(),
}) satisfies z.ZodType<SubmissionOutcome>;

export const metaErrorFields = z.object({
  code: z.number().int(),
  subcode: z.number().int().nullable(),
  type: z.string().nullable(),
  message: z.string(),
  // Absent from failures recorded before it was kept: read as none.
  details: z.string().nullable().optional(),
  fbtraceId: z.string().nullable(),
  endpoint: z.string().nullable(),
}) satisfies z.ZodType<Pick<MetaError, 'code' | 'subcode' | 'type' | 'message' | 'fbtraceId' | 'endpoint'>>;

export const resultFields = z.object({
  outcome: z.enum(journeyOutcomes),
  reasonCode: z.string(),
  reason: z.string(),
  remediation: z.string(),
  actor: z.string().nullable(),
  metaError: metaErrorFields.nullable(),
}) satisfies z.ZodType<Omit<JourneyResult, 'metaError'> & { metaError: object | null }>;

const at = z.string();
export const numberEventFields = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('quality'), event: z.string(), currentLimit: z.string().nullable(), at }),
  z.object({
    kind: z.literal('name'),
    decision: z.string(), // a decision Meta added later is kept as it came
    requestedName: z.string(),
    rejectionReason: z.string().nullable(),
    at,
    undated: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('status'), status: z.string(), at }),
  z.object({
    kind: z.literal('partner_removed'),
    reason: z.string().nullable(),
    initiatedBy: z.string().nullable(),
    at,
  }),
  z.object({ kind: z.literal('restriction'), restrictionType: z.string(), expiration: z.string().nullable(), at }),
  z.object({ kind: z.literal('paid_message'), at }),
  z.object({ kind: z.literal('account'), event: z.string(), at, detail: z.string().nullable().optional() }),
]) satisfies z.ZodType<NumberEvent>;

export const slotAnswerFields = z.object({
  granted: z.boolean(),
  position: z.number().int().nullable(),
  cap: z.number().int(),
  held: z.number().int(),
  // The owner only in runs from before it was kept out of history; never shown.
  refused: z.object({ wabaId: z.string(), portfolioId: z.string(), owner: z.string().optional() }).optional(),
}) satisfies z.ZodType<SlotAnswer>;
export const capRefusalFields = z.object({ registered: z.number().int() }) satisfies z.ZodType<
  Pick<CapRefusal, 'registered'>
>;
export const slotReleaseFields = z.object({
  stillRegistered: z.boolean().optional(),
  capRefusedAt: z.number().int().optional(),
}) satisfies z.ZodType<Pick<SlotRelease, 'stillRegistered' | 'capRefusedAt'>>;

/** What Graph activities answer, as far as it tells what Meta did (ids and statuses, never a value sent). */
export const graphResultFields = z.object({
  gone: z.boolean().optional(),
  status: z.string().nullable().optional(),
  codeVerificationStatus: z.string().nullable().optional(),
  nameStatus: z.string().nullable().optional(),
  // The name Meta holds for a number read there (an adopted number's, which the journey takes as its own).
  verifiedName: z.string().nullable().optional(),
  phoneNumberId: z.string().optional(),
  alreadyAdded: z.boolean().optional(),
  certain: z.boolean().optional(),
  alreadyRequested: z.boolean().optional(),
  alreadyRan: z.boolean().optional(),
  refusedButShownVerified: z.boolean().optional(),
  // A send's answer: the message id, and the prefix of the identity hash that went with it.
  messageId: z.string().optional(),
  withHash: z.string().nullable().optional(),
}) satisfies z.ZodType<Partial<Pick<PresentNumber, 'status' | 'codeVerificationStatus' | 'nameStatus'>>>;

export const codeMethodField = z.object({ method: z.enum(codeMethods) });

/** An adopting read's portfolio (an id only): its owner read comes first. */
export const adoptedInField = z.object({ adoptedIn: z.string().regex(/^\d{1,32}$/) });

/** A verify call's answer holding a drawn PIN (sealed, "[sealed]" or clear): read for whether it holds one, only. */
export const drawnPinField = z.object({ pin: z.union([z.string(), z.record(z.string(), z.unknown())]) });

/** The live identity actions: whether the check goes on, and whom a test message goes to (never its text). */
export const identityCheckFields = z.object({
  actor: z.string(),
  enabled: z.boolean(),
}) satisfies z.ZodType<IdentityCheckRequest>;
export const testMessageFields = z.object({ actor: z.string(), to: z.string() }) satisfies z.ZodType<
  Omit<TestMessageRequest, 'text'>
>;
/** The operator's confirmation of a customer's identity: who and how (the note is the operator's own words). */
export const confirmationFields = z.object({
  actor: z.string(),
  method: z.enum(verificationMethods),
}) satisfies z.ZodType<Omit<IdentityConfirmation, 'note'>>;
/** The send without the hash a confirmation allowed: which message, and who asked for it when known. */
export const unhashedSendFields = z.object({
  messageId: z.string(),
  at: z.iso.datetime(),
  actor: z.string().optional(),
}) satisfies z.ZodType<IdentityUnhashedSend>;
/** The answer of an update that answers in words only (the operator's confirmation). */
export const answerMessageField = z.object({ message: z.string() });
export const mismatchFields = z.object({
  source: z.enum(['status', 'send']),
  messageId: z.string().nullable(),
  metaMessage: z.string().optional(),
  fbtraceId: z.string().optional(),
  actor: z.string().optional(),
}) satisfies z.ZodType<Omit<IdentityMismatch, 'at'>>;
export const hashStoredFields = z.object({
  messageId: z.string(),
  hashPrefix: z.string(),
}) satisfies z.ZodType<Omit<IdentityHashStored, 'at'>>;
export const syncTypeField = z.enum(smbSyncTypes);

export const noteFields = z.object({
  at: z.string(),
  actor: z.string(),
  what: z.string(),
}) satisfies z.ZodType<JourneyNote>;
export const notesFields = z.object({ notes: z.array(noteFields) });

/**
 * A local activity's marker names its type and attempt; its result is read only for a Graph call (through the same
 * allow-list as an activity's), never for the generated PIN.
 */
export const localActivityFields = z.object({ activity_type: z.string(), attempt: z.number().int().optional() });
