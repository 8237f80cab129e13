// The /v1 API's zod schemas: every body, parameter and answer, used both to validate and for the OpenAPI document.
// Answers mirror the domain's types (src/domain); the type checks at the end keep the two from drifting apart.
import { z } from 'zod';
import { wordsOf } from '../../zod-words.js'; // also zod's words in numberflow's, for every schema of the process
import { DISPLAY_NAME_DOCUMENTED } from '../../domain/display-name.js';
import type { NumberEvent } from '../../domain/events.js';
import { readWaId } from '../../domain/phone.js';
import { GRAPH_ID, journeyRequestSchema } from '../../domain/journey-input.js';
import { codeMethods, onboardingPaths, type JourneyView } from '../../domain/journey.js';
import type { MetaError } from '../../domain/meta-error.js';
import {
  asciiDigits,
  checkDisplayName,
  checkPin,
  CONTROL_CHARACTER,
  normaliseOtp,
} from '../../domain/operator-input.js';
import { InvalidPhoneNumberError, parsePhoneNumber } from '../../domain/phone.js';
import { capSources } from '../../domain/portfolio.js';
import { journeyOutcomes, journeyStages } from '../../domain/stages.js';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_RULE } from '../../domain/idempotency-key.js';
import type { JourneyListing, JourneySummary } from '../../journeys/index.js';
import type { PortfolioView } from '../../portfolios/portfolio.js';

/**
 * Every /v1 body is at most this big (413 beyond): the largest a route takes — a message's 4,096 characters — written
 * as JSON encoders that escape every non-ASCII character write it (Python's by default: six bytes a character).
 */
export const API_BODY_LIMIT = 32 * 1024;

const graphId = z.string().regex(GRAPH_ID, 'must be a numeric Graph id');
const stageOrOutcome = z.enum([...journeyStages, ...journeyOutcomes]);
const iso = z.string().describe('ISO 8601 time');

/** A domain check (it throws its reason) as a zod refinement, so the reason is the field's problem. */
const checkedBy =
  (check: (value: unknown) => unknown) =>
  (value: unknown, ctx: z.RefinementCtx): void => {
    try {
      check(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
  };

// Parameters and headers.

export const e164Params = z.object({
  e164: z
    .string()
    .max(32)
    // The pattern is E.164 as a client should send it; the service also reads the number written with spaces.
    .meta({
      description: "the number in E.164, e.g. +14155552671 (Meta's test numbers +1 555 … too)",
      pattern: String.raw`^\+[1-9]\d{1,14}$`,
    })
    .transform((value, ctx) => {
      try {
        return parsePhoneNumber(value, { metaTestNumber: true }).e164;
      } catch (err) {
        if (!(err instanceof InvalidPhoneNumberError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
        return z.NEVER;
      }
    }),
});

export const portfolioParams = z.object({ portfolioId: graphId });

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string({ error: 'is required: a key of your choosing that makes a retried start safe' })
    // Node joins a header sent twice as "a, b": said as what happened, not as a bad key.
    .refine((key) => !(key.includes(', ') && key.split(', ').every((part) => IDEMPOTENCY_KEY.test(part))), {
      error: 'was sent more than once: send one key',
      abort: true,
    })
    .regex(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_RULE)
    .describe('the same key and body again answer the same journey'),
});

/**
 * A whole number in a query string, written in digits (up to `max`, `fallback` when left out): what Number() also
 * takes — nothing (""), hex (0x5), an exponent (1e1), spaces — is refused as text, as a path's id is.
 */
export function queryInteger(min: number, max: number, fallback: number, description: string) {
  return (
    z
      .preprocess(
        // A sign or a fraction is a number still, refused for its value ("must be at least 0", "a whole number").
        (given) => (typeof given === 'string' && /^-?\d+(\.\d+)?$/.test(given) ? Number(given) : given),
        z.number().int().min(min).max(max),
      )
      // A prefault, not a default: a request's document (zod's input side) says a prefault's value as its default.
      .prefault(fallback)
      .describe(`${description} (default ${fallback})`)
  );
}

export const waitQuery = z
  .object({
    waitSeconds: queryInteger(1, 60, 10, "how long to wait for the journey's answer before answering pending"),
  })
  .strict();

export const listQuery = z
  .object({
    stage: stageOrOutcome.optional().describe('a stage lists running journeys; an outcome lists ended ones'),
    portfolioId: graphId.optional(),
    wabaId: graphId.optional(),
    awaitingInput: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .describe('only journeys waiting for an operator: AWAITING_OTP, AWAITING_PIN, AWAITING_NEW_NAME'),
    pageSize: queryInteger(1, 100, 20, 'journeys a page'),
    pageToken: z
      .string()
      .max(4096)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be the nextPageToken of an earlier answer')
      .optional(),
  })
  .strict();

// Bodies.

export const startJourneyBody = journeyRequestSchema
  .omit({ requestedBy: true })
  .meta({ id: 'StartJourney', description: "who starts it is the token's principal" });

// Past the bound, the bound alone is said (not also that it is not 6 digits).
// The patterns and examples tell a client the rules; the domain checks say a refusal in the service's words.
export const otpBody = z
  .object({
    code: z
      .string()
      .max(20, { abort: true })
      .superRefine(checkedBy((code) => normaliseOtp(typeof code === 'string' ? asciiDigits(code) : code)))
      .meta({
        description:
          "the 6-digit code Meta sent by SMS or voice call; 123-830 and 123 830 are read as 123830. The service also takes digits of other scripts (١٢٣٨٣٠, １２３８３０) as such, which the pattern leaves out: it is written in ASCII digits for clients' regular expressions, most of which cannot name a digit of any script",
        pattern: String.raw`^\s*(\d{6}|\d{3}[-\s]\d{3})\s*$`,
        examples: ['123830'],
      }),
  })
  .strict();
export const pinBody = z
  .object({
    pin: z
      .string()
      .max(20, { abort: true })
      .superRefine(checkedBy(checkPin))
      .meta({ description: 'the two-step PIN: exactly 6 digits', pattern: String.raw`^\d{6}$`, examples: ['135790'] }),
  })
  .strict();
// The name's one rule says how long it may be (a 200 here refused names a start takes); 1,024 only bounds the work.
export const displayNameBody = z
  .object({
    displayName: z
      .string()
      .max(1024, { abort: true })
      .superRefine(checkedBy(checkDisplayName))
      .meta(DISPLAY_NAME_DOCUMENTED),
  })
  .strict();
export const resendBody = z
  .object({ method: z.enum(codeMethods).optional().describe('switch SMS ↔ VOICE; omitted keeps the method') })
  .strict()
  .nullish();
const reason = z
  .string()
  .trim()
  .min(1, 'is required: say why')
  .max(500)
  .refine((text) => !CONTROL_CHARACTER.test(text), 'must be one line of text, without control characters');
export const cancelBody = z.object({ reason }).strict();
export const removalBody = z.object({ reason }).strict();
export const pinRevealBody = z
  .object({ reason: reason.describe('why the PIN is needed (noted in the journey)') })
  .strict();
export const revealedPinAnswer = z
  .object({ pin: z.string().describe('the 6-digit two-step PIN Meta registered the number with') })
  .meta({ id: 'RevealedPin' });
export const identityCheckBody = z
  .object({
    // The words every boolean gets ("must be true or false, got text"), and what each value does.
    enabled: z.boolean({
      error: (issue) => `${wordsOf(issue) ?? 'must be true or false'}: true turns the check on, false turns it off`,
    }),
  })
  .strict();
export const waIdSchema = z
  .string()
  .max(40, { abort: true })
  .describe("the customer's wa_id: their WhatsApp number, country code first (+1 555 123 4567 or 15551234567)")
  .transform((typed, ctx) => {
    const read = readWaId(typed);
    if ('waId' in read) return read.waId;
    ctx.addIssue({ code: 'custom', message: read.problem });
    return z.NEVER;
  });
const messageText = z.string().trim().min(1, 'must not be empty').max(4096);
export const testMessageBody = z
  .object({ to: waIdSchema, text: messageText.optional().describe('default: a short line saying the number is live') })
  .strict();
export const messageBody = z.object({ to: waIdSchema, text: messageText }).strict();

/** No body needed (none, or {}). */
export const noBody = z.object({}).strict().nullish();
export const capBody = z
  .object({ cap: z.number().int().min(1).max(100_000).describe('registered numbers the portfolio may hold'), reason })
  .strict();

export const reconcileBody = z.object({ reason }).strict();

/** Rows a POST /v1/journeys:batch takes at most; a bigger file goes in several requests. */
export const BATCH_MAX_ROWS = 1_000;
/** A batch's body may hold up to BATCH_MAX_ROWS rows: 1 MiB leaves each row about 1 KiB. */
export const BATCH_BODY_LIMIT = 1024 * 1024;

export const batchBody = z
  .object({
    rows: z
      .array(z.unknown().describe('a StartJourney body; each row is checked on its own and answered by its index'))
      .min(1, 'must hold at least one row')
      .max(BATCH_MAX_ROWS, `takes at most ${BATCH_MAX_ROWS} rows per request: send the rest in another request`),
    skipInvalid: z
      .boolean()
      .default(false)
      .describe('start the valid rows and answer the invalid ones; false: one invalid row starts nothing'),
    checkOnly: z
      .boolean()
      .default(false)
      .describe(
        "check the rows (as a start would, the token's portfolios too) and start none: 200 with the invalid rows only, so that a client with several requests to send can refuse a file before any starts",
      ),
  })
  .strict();

export const summaryQuery = z.object({ portfolioId: graphId.optional(), wabaId: graphId.optional() }).strict();

// Answers.

const metaErrorSchema = z.object({
  code: z.number(),
  subcode: z.number().nullable(),
  type: z.string().nullable(),
  message: z.string(),
  details: z.string().nullable(),
  fbtraceId: z.string().nullable(),
  httpStatus: z.number(),
  errorClass: z.enum(['transient', 'rate_limited', 'permanent']),
  retryAfterMs: z.number().nullable(),
  remediation: z.string(),
  endpoint: z.string().nullable(),
});

const numberEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('quality'), event: z.string(), currentLimit: z.string().nullable(), at: iso }),
  z.object({
    kind: z.literal('name'),
    decision: z.string().describe('APPROVED, REJECTED, DEFERRED or PENDING; a decision Meta added later as it came'),
    requestedName: z.string(),
    rejectionReason: z.string().nullable(),
    at: iso,
    undated: z
      .boolean()
      .optional()
      .describe('true: Meta gave no date (no entry.time), and `at` is when numberflow received the decision'),
  }),
  z.object({ kind: z.literal('status'), status: z.string(), at: iso }),
  z.object({
    kind: z.literal('partner_removed'),
    reason: z.string().nullable(),
    initiatedBy: z.string().nullable(),
    at: iso,
  }),
  z.object({ kind: z.literal('restriction'), restrictionType: z.string(), expiration: z.string().nullable(), at: iso }),
  z.object({ kind: z.literal('paid_message'), at: iso }),
  z.object({
    kind: z.literal('account'),
    event: z.string(),
    at: iso,
    detail: z
      .string()
      .nullable()
      .optional()
      .describe("what Meta said with it: a ban's state and date, a violation's type, an account review's decision"),
    banState: z
      .string()
      .nullable()
      .optional()
      .describe("a DISABLED_UPDATE's ban state: DISABLE, REINSTATE or SCHEDULE_FOR_DISABLE"),
  }),
]);

export const noteSchema = z.object({ at: iso, actor: z.string(), what: z.string() });
export const waitingSchema = z
  .object({ for: z.enum(['portfolio', 'operator', 'admin', 'meta']), reason: z.string(), until: iso.nullable() })
  .nullable();

export const journeyViewSchema = z
  .object({
    e164: z.string(),
    wabaId: z.string(),
    portfolioId: z.string(),
    path: z.enum(onboardingPaths),
    stage: stageOrOutcome,
    stagesEntered: z
      .array(z.object({ stage: stageOrOutcome, at: iso }))
      .default([]) // a view from a worker before the field
      .describe('the stages the journey entered, oldest first (the last 20), each with when it entered it'),
    phoneNumberId: z.string().nullable(),
    codeMethod: z.enum(codeMethods),
    ivr: z
      .boolean()
      .default(false) // a view from a worker before the field
      .describe('the number sits behind an IVR: its codes come by voice call only (a new code by SMS is refused)'),
    waiting: waitingSchema,
    removalBlocked: z
      .object({ reason: z.string(), remediation: z.string() })
      .nullable()
      .default(null) // a view from a worker before the field
      .describe("in REMOVING, Meta's restriction blocking the removal: resolve it, then request the removal again"),
    deadlines: z.object({
      signupExpiresAt: iso.nullable(),
      codeExpiresAt: iso.nullable(),
      codeLastsUntil: iso
        .nullable()
        .optional()
        .describe("about when Meta's latest code sent stops working (AWAITING_OTP); null when none was sent"),
      reRegisterBy: iso.nullable(),
      deletionAllowedAt: iso.nullable(),
    }),
    attempts: z.object({
      codeRequests: z.number(),
      wrongCodes: z.number(),
      wrongPins: z.number(),
      registerCalls: z.number(),
      deregisterCalls: z.number(),
    }),
    registrationCallsIn72h: z
      .number()
      .describe(
        "register and deregister calls this journey made in the last 72 h, of Meta's 10 (Meta counts calls made outside it too)",
      ),
    registrationCallsAt: z
      .array(iso)
      .optional()
      .describe('when those calls were made (absent from a worker before the field)'),
    displayName: z.object({
      current: z.string(),
      pending: z.string().nullable(),
      status: z
        .string()
        .describe(
          'PENDING_REVIEW (Meta reviews `pending`, or the first name), APPROVED (with `pending` still set while the ' +
            'number registers again to apply it), or why the last change stopped, the ' +
            'number keeping `current`: DECLINED, CHANGE_FAILED, REREGISTER_WINDOW_MISSED, STOPPED_FOR_REMOVAL',
        ),
    }),
    status: z.string().nullable(),
    lastError: metaErrorSchema.nullable(),
    recentEvents: z.array(numberEventSchema),
    notes: z.array(noteSchema),
    sendsPaused: z
      .boolean()
      .describe('sends are paused: the number is being removed, or Meta stopped it (stoppedByMeta)'),
    quality: z
      .object({ event: z.string(), limit: z.string().nullable(), at: iso })
      .nullable()
      .default(null) // a view from a worker before the field
      .describe(
        "Meta's latest quality update of the number (FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, ONBOARDING…) with the messaging limit it gave",
      ),
    stoppedByMeta: z
      .object({ event: z.string(), detail: z.string().nullable(), at: iso })
      .nullable()
      .default(null) // a view from a worker before the field
      .describe(
        "Meta's event that stopped the number's sends (its WABA disabled, deleted or offboarded, the partner removed), until one brings it back (REINSTATE, ACCOUNT_RECONNECTED, PARTNER_ADDED)",
      ),
    wentLive: z
      .boolean()
      .optional() // a view from a worker before the field
      .describe('the number went live: it is removed, never cancelled (also while a rename registers it again)'),
    identityCheck: z.enum(['on', 'off']).describe("Meta's identity-change check on the number"),
    pinSet: z
      .boolean()
      .optional() // a view from a worker before the field
      .describe(
        "numberflow set the number's two-step PIN and the journey runs: an admin may read it back (pin-reveal)",
      ),
    result: z
      .object({
        outcome: z.enum(journeyOutcomes),
        reasonCode: z.string(),
        reason: z.string(),
        remediation: z.string(),
        actor: z.string().nullable(),
        metaError: metaErrorSchema.nullable(),
      })
      .nullable(),
    callUnderWay: z
      .object({
        call: z.string(),
        endpoint: z.string(),
        attempt: z.number().describe("Temporal's attempt: the one running, or the next while it waits to retry"),
        state: z
          .enum(['running', 'paused', 'backing off', 'waiting for a worker'])
          .describe(
            'running on a worker, paused in Temporal, waiting out the backoff, or due and waiting for a worker to take it',
          ),
        attemptBefore: z
          .string()
          .nullable()
          .describe("how the attempt before went: Meta's error, or why no answer came"),
        nextAttemptAt: iso.nullable().describe('when the next attempt starts, while it waits out the backoff'),
      })
      .nullable()
      .default(null) // a view from a worker before the field
      .describe(
        'a Graph call Temporal is retrying (second attempt or later), which the journey hears of only when the retries end',
      ),
  })
  .meta({ id: 'JourneyView', description: "where a number's journey stands and who it waits for; no PIN, no code" });

export const startedSchema = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    journey: journeyViewSchema
      .nullable()
      .describe(
        'where it stands; null when no worker answered the read (none running): it is started all the same, and GET /v1/journeys/{e164} reads it once one runs',
      ),
  })
  .meta({ id: 'StartedJourney' });

export const listingSchema = z
  .object({
    e164: z.string().nullable(),
    workflowId: z.string(),
    runId: z.string(),
    stage: z
      .string()
      .nullable()
      .describe(
        'the stage the run last showed, or its outcome once ended (a run Temporal terminated, failed or timed out: FAILED; cancelled: CANCELLED)',
      ),
    outcome: z.enum(journeyOutcomes).nullable(),
    portfolioId: z.string().nullable(),
    wabaId: z.string().nullable(),
    phoneNumberId: z.string().nullable(),
    status: z.string().describe("Temporal's status of the run: RUNNING, COMPLETED, CANCELED, CONTINUED_AS_NEW …"),
    startedAt: iso.nullable(),
    closedAt: iso.nullable(),
    waitingOn: z
      .string()
      .nullable()
      .describe("a person's wait no stage names: token (a new Meta token), deletion, removal (a blocked removal)"),
    waitingSince: iso.nullable(),
  })
  .meta({ id: 'JourneyListing' });

export const listAnswer = z.object({
  items: z.array(listingSchema),
  nextPageToken: z
    .string()
    .nullable()
    .describe(
      'pass as pageToken for the next page; null on the last (a page may hold fewer items than pageSize, even none, before it: page on while it is not null)',
    ),
});

const rowResultSchema = z.object({
  index: z.number().describe("the row's index in rows"),
  e164: z.string().nullable(),
  outcome: z
    .enum(['started', 'already_running', 'failed', 'invalid'])
    .describe('already_running: this row was started before (its journey answered); invalid: see problems'),
  workflowId: z.string().nullable(),
  runId: z.string().nullable(),
  stage: z.string().nullable(),
  error: z.string().nullable().describe('why a start failed, e.g. the number runs under another request'),
  problems: z.array(z.string()).describe('an invalid row\'s problems, "field: message"'),
});

export const batchAnswer = z
  .object({
    results: z.array(rowResultSchema),
    counts: z.object({
      started: z.number(),
      alreadyRunning: z.number(),
      failed: z.number(),
      invalid: z.number(),
    }),
  })
  .meta({ id: 'BatchStarted' });

/** What a person waiting is to give (src/journeys/summary.ts). */
const personInputSchema = z.enum(['code', 'pin', 'name', 'token', 'deletion', 'removal']);

export const summaryAnswer = z
  .object({
    portfolios: z.array(
      z.object({
        portfolioId: z.string(),
        total: z.number(),
        stages: z.record(z.string(), z.number()).describe('running journeys per stage'),
      }),
    ),
    waiting: z
      .array(
        z.object({
          e164: z.string(),
          workflowId: z.string(),
          portfolioId: z.string().nullable(),
          stage: z.string(),
          waitingOn: personInputSchema.describe(
            'what the person is to give: a code, a PIN, a new name, a Meta token, a deletion, a blocked removal requested again',
          ),
          since: iso
            .nullable()
            .describe(
              "when the wait began (token, deletion, removal), or the run's start (its stage's start is not kept)",
            ),
        }),
      )
      .describe(
        "journeys waiting for a person, at most 100: an admin's waits first (token, deletion, removal: one may hold back a whole WABA), then oldest first",
      ),
    waitingTotal: z.number(),
    waitingByInput: z
      .partialRecord(personInputSchema, z.number())
      .describe('how many wait for each input, all of them counted (kinds none waits for left out)'),
  })
  .meta({ id: 'JourneySummary' });

export const runsAnswer = z.object({ e164: z.string(), runs: z.array(listingSchema) });

export const outcomeSchema = z
  .object({
    outcome: z
      .enum(['accepted', 'refused', 'pending'])
      .describe('refused: e.g. a wrong code (see attemptsLeft); pending: taken in, still being worked on'),
    message: z.string(),
    attemptsLeft: z.number().nullable(),
  })
  .meta({ id: 'Outcome' });

const slotHolderSchema = z.object({
  e164: z.string(),
  workflowId: z.string().nullable().describe('null: a number Meta counts as registered with no running journey'),
  runId: z.string().nullable(),
  firstRunId: z
    .string()
    .optional()
    .describe('the first run of the journey holding it (its runs continued as new keep it)'),
  wabaId: z.string().nullable(),
  since: iso,
  admission: z.number().optional().describe('its admission number: the order holders were let through in'),
});

export const capSourceSchema = z
  .object({
    source: z
      .enum(capSources)
      .describe(
        "default: Meta's rule for a new portfolio; meta_webhook: business_capability_update; business_verification: the business's status at Meta; admin: set by actor, for reason; meta_refusal: Meta refused an add (200000) at this many registered numbers",
      ),
    at: iso.nullable(),
    actor: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'CapSource' });

export const portfolioSchema = z
  .object({
    portfolioId: z.string(),
    cap: z.number(),
    capSource: capSourceSchema,
    holders: z.array(slotHolderSchema),
    queue: z.array(
      z.object({
        e164: z.string(),
        workflowId: z.string(),
        runId: z.string(),
        firstRunId: z.string().optional().describe('the first run of the journey waiting'),
        wabaId: z.string(),
        since: iso.describe('when it asked'),
        startedAt: iso
          .optional()
          .describe('when its journey started: the queue is in this order (absent for a journey from before)'),
        heldSince: iso
          .optional()
          .describe(
            'Meta refused its add at the cap: when it got the slot it gave back. Such journeys wait first, in the order they got it',
          ),
        admission: z.number().optional().describe('with heldSince: the admission number of the slot it gave back'),
      }),
    ),
    admissions: z.number(),
    notes: z.array(z.object({ at: iso, what: z.string() })),
    lastReconciliation: z
      .object({
        at: iso,
        found: z.string(),
        // Absent from a service from before: a reconciliation it showed had not failed, or said so in `found`.
        failed: z.boolean().default(false).describe('it could not read Meta: every slot stayed as it was'),
      })
      .nullable()
      .describe(
        'when the last reconciliation ran (hourly, an admin asking, or on signal reconcile), what it found, and whether it failed; null before the first',
      ),
    capChanges: z
      .array(capSourceSchema.extend({ cap: z.number() }))
      .describe("the cap's changes, oldest first (the latest 100): to what, from where, by whom and why, when"),
    readingMetaCount: z
      .boolean()
      .describe(
        'Meta refused an add at the cap while counting numbers no slot holds: nobody is let through until they are read',
      ),
    // Absent from a service from before: its portfolios were read as running.
    stopped: z
      .object({ status: z.string(), at: iso.nullable() })
      .nullable()
      .default(null)
      .describe(
        "its workflow ended outside numberflow (terminated by hand, say): Temporal's status and when; the rest is its last run's state, and it starts again, seeded from Meta, when a journey of it asks for a slot; null while it runs",
      ),
  })
  .meta({ id: 'Portfolio' });

export const healthAnswer = z.object({ ok: z.boolean() });
export const readinessAnswer = z.object({
  ready: z.boolean(),
  checks: z.object({ temporal: z.string(), worker: z.string() }),
});

// The answers above are the domain's types, field for field: a change on either side fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemasMatchDomain = [
  Assert<Same<z.output<typeof journeyViewSchema>, JourneyView>>,
  Assert<Same<z.output<typeof metaErrorSchema>, MetaError>>,
  Assert<Same<z.output<typeof numberEventSchema>, NumberEvent>>,
  Assert<Same<z.output<typeof listingSchema>, JourneyListing>>,
  Assert<Same<z.output<typeof summaryAnswer>, JourneySummary>>,
  Assert<Same<z.output<typeof portfolioSchema>, PortfolioView>>,
];

/** The query of a route that takes none: a parameter sent anyway is refused, naming it. */
export const noQuery = z.object({}).strict();
