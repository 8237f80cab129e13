// What a Tech Provider does once the Embedded Signup popup has finished (docs/intake.md): exchange the code for the
// customer's business token within its 30 seconds, keep the token sealed per WABA, subscribe the app to the WABA's
// webhooks, and start a journey per number, adopting it where Meta stands, its 14-day window counted from now.
// Idempotent on the code: a retry answers the same journeys and never exchanges twice; a number refused for its
// display name is started by a retry that names it anew (nothing else is done again).
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { validateDisplayName } from '../domain/display-name.js';
import { GRAPH_ID, JourneyInputError, parseJourneyRequest } from '../domain/journey-input.js';
import { CLOCKS_APART_MS } from '../domain/events.js';
import { TOKEN_REFUSED_CODES } from '../domain/meta-error.js';
import { journeyWorkflowId, signupExpiresAt, signupWindowClosedAt } from '../domain/journey.js';
import { e164OfDisplay } from '../domain/number.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError, GraphTransportError } from '../graph/errors.js';
import { GraphInputError } from '../graph/inputs.js';
import { tokenCoversWaba } from '../graph/signup.js';
import { describeJourney, JourneyConflictError, startJourney } from '../journeys/index.js';
import type { TokenStore } from '../stores/token-store.js';
import { IntakeError, RUN_SIGNUP_AGAIN } from './errors.js';
import type { SignupFailureKind, SignupJourney, SignupLedger, SignupRecord } from './signup-record.js';
import { storeNotAnswering } from '../stores/unavailable.js';
import { announceNewToken } from './token-renewal.js';

const graphId = z.string().regex(GRAPH_ID, 'must be a numeric Graph id');

/** How long a token Meta gave is tried to be kept while the stores' database does not answer (a restart). */
const KEEP_TOKEN_WITHIN_MS = 15_000;
const KEEP_TOKEN_PAUSE_MS = 2_000;

/**
 * Stores the exchanged token. The code is spent: a database away for a moment (a restart, a failover) is waited for
 * a few seconds, and past that the signup cannot be finished — said so at once, and to its repeats too (recorded
 * failed when the ledger can be written), not as something to send again.
 */
async function keepToken(deps: SignupDeps, codeHash: string, record: SignupRecord, token: string): Promise<void> {
  const giveUpAt = Date.now() + KEEP_TOKEN_WITHIN_MS;
  for (;;) {
    try {
      return await deps.tokens.put(record.wabaId, token, { source: 'signup', by: record.requestedBy });
    } catch (err) {
      if (!storeNotAnswering(err)) throw err;
      if (Date.now() + KEEP_TOKEN_PAUSE_MS > giveUpAt) {
        const message = `Meta gave the customer's token, but the stores' database did not answer to keep it; the code is spent: ${RUN_SIGNUP_AGAIN}`;
        // The ledger away too: its repeats say "under way" for a while first.
        const failed: SignupRecord = { ...record, state: 'failed', failure: { kind: 'incomplete', message } };
        await deps.ledger.save(codeHash, { ...failed, updatedAt: stampOf(deps) }).catch(() => undefined);
        throw new IntakeError('incomplete', message);
      }
      await delay(KEEP_TOKEN_PAUSE_MS);
    }
  }
}

/** Failures of the code itself, not of the signup it came with. */
const CODE_FAILURES: readonly SignupFailureKind[] = ['code-expired', 'code-used', 'exchange-refused'];

/** The body of POST /v1/signups: what the popup's message event and its code callback gave the browser. */
export const signupRequestSchema = z
  .object({
    /** The code of FB.login's callback: single use, 30 seconds. */
    code: z.string().trim().min(1, 'is required').max(4096),
    wabaId: graphId,
    /** The popup's phone_number_id(s); the numbers are read from Meta (display_phone_number, verified_name). */
    phoneNumberIds: z.array(graphId).min(1, 'needs at least one phone_number_id').max(100),
    /** The business portfolio that owns the WABA (the popup's business_id). */
    businessId: graphId,
    /**
     * A display name per phone_number_id, instead of the verified_name Meta shows: checked here, before the code is
     * spent, by the rule a journey's start applies.
     */
    displayNames: z
      .record(
        graphId,
        z
          .string()
          .max(1024, { abort: true })
          .superRefine((name, ctx) => {
            const checked = validateDisplayName(name);
            if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem });
          }),
      )
      .optional(),
  })
  .strict()
  .superRefine(({ displayNames = {}, phoneNumberIds }, ctx) => {
    // A number twice is a caller's mistake (another number meant?): refused before the code is spent on it.
    phoneNumberIds.forEach((id, i) => {
      const first = phoneNumberIds.indexOf(id);
      if (first < i)
        ctx.addIssue({ code: 'custom', path: ['phoneNumberIds', i], message: `repeats phoneNumberIds.${first}` });
    });
    for (const id of Object.keys(displayNames)) {
      if (!phoneNumberIds.includes(id)) {
        ctx.addIssue({ code: 'custom', path: ['displayNames', id], message: 'names a number phoneNumberIds does not' });
      }
    }
  });
export type SignupRequest = z.output<typeof signupRequestSchema>;

export interface SignupOutcome {
  wabaId: string;
  businessId: string;
  signupAt: string;
  /** The 14-day Embedded Signup window: the numbers must be registered before. */
  signupExpiresAt: string;
  /** Answered from an earlier signup with the same code (nothing exchanged; only a renamed refused number started). */
  repeated: boolean;
  journeys: SignupJourney[];
}

export interface SignupDeps {
  /** Has the app's credentials, and takes the WABA's token from `tokens`. */
  graph: GraphClient;
  tokens: TokenStore;
  ledger: SignupLedger;
  temporal: Client;
  taskQueue: string;
  now?: () => Date;
  /**
   * The portfolios the caller may use, when it is limited to some: the WABA's owner is then read with the new token
   * before it is stored, and a WABA another business owns keeps its stored token (the caller told nothing of it).
   */
  mayUsePortfolio?: (portfolioId: string) => boolean;
}

/**
 * A claim older than this whose exchange never finished was cut short (the code itself lives 30 s). It was stamped
 * by the replica that made it, whose clock may be up to CLOCKS_APART_MS apart from this one's: a claim under way was
 * taken for one cut short, and its customer sent to Embedded Signup again for nothing.
 */
const CLAIM_STALE_MS = 60_000 + CLOCKS_APART_MS;

/** The ledger's key: a code is high-entropy and single use, so its SHA-256 identifies it without revealing it. */
export function signupCodeHash(code: string): string {
  return createHash('sha256').update(code.trim()).digest('hex');
}

export function parseSignupRequest(body: unknown): SignupRequest {
  const parsed = signupRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw new IntakeError('invalid-request', `invalid signup: ${problems.join('; ')}`);
}

/** `requestedBy`: who sent the signup (the onboarding service's identity), recorded on every journey. */
export async function signup(deps: SignupDeps, body: unknown, requestedBy: string): Promise<SignupOutcome> {
  const request = parseSignupRequest(body);
  const codeHash = signupCodeHash(request.code);
  const now = clockOf(deps);
  const fresh: SignupRecord = {
    wabaId: request.wabaId,
    businessId: request.businessId,
    phoneNumberIds: [...new Set(request.phoneNumberIds)],
    requestedBy,
    signupAt: now.toISOString(),
    state: 'claimed',
    failure: null,
    journeys: [],
    updatedAt: now.toISOString(),
  };
  const earlier = await deps.ledger.claim(codeHash, fresh);
  if (!earlier) return finish(deps, request, codeHash, await exchange(deps, request, codeHash, fresh));
  if (correctsTheBusiness(earlier, fresh)) {
    // The token is stored and covers the WABA: the owner's check and what follows go on with the business fixed.
    const corrected: SignupRecord = {
      ...earlier,
      businessId: fresh.businessId,
      requestedBy,
      state: 'finishing',
      failure: null,
      updatedAt: now.toISOString(),
    };
    // One of two corrections sent at once goes on; the other is answered as the same signup under way.
    if (!(await deps.ledger.replace(codeHash, earlier, corrected))) throw inProgress();
    return finish(deps, request, codeHash, corrected);
  }
  // A code Meta refused or found expired is so for any signup: said as it was, not as used (nor whose it was).
  const codeFailure = earlier.state === 'failed' ? earlier.failure : null;
  if (codeFailure && CODE_FAILURES.includes(codeFailure.kind))
    throw new IntakeError(codeFailure.kind, codeFailure.message);
  if (!sameSignup(earlier, fresh)) {
    throw new IntakeError(
      'code-used',
      `this Embedded Signup code was already used by another signup (WABA ${earlier.wabaId}, at ${earlier.signupAt}): codes are single use — ${RUN_SIGNUP_AGAIN}`,
    );
  }
  switch (earlier.state) {
    case 'done':
      // A number refused for its display name is started with the name this request gives it; nothing else is
      // done again (the exchange, the owner, the subscription, the other numbers' journeys).
      if (!earlier.journeys.some((journey) => startsAgain(request, journey))) return outcomeOf(earlier, true);
      return startRefusedAgain(deps, request, codeHash, earlier, requestedBy);
    case 'failed':
      throw new IntakeError(earlier.failure?.kind ?? 'exchange-refused', earlier.failure?.message ?? RUN_SIGNUP_AGAIN);
    case 'claimed':
      if (now.getTime() - Date.parse(earlier.updatedAt) < CLAIM_STALE_MS) {
        throw inProgress();
      }
      throw new IntakeError(
        'incomplete',
        `an earlier attempt of this signup stopped before its token was stored: ${RUN_SIGNUP_AGAIN}`,
      );
    case 'finishing':
      if (now.getTime() - Date.parse(earlier.updatedAt) < CLAIM_STALE_MS) throw inProgress();
      return finish(deps, request, codeHash, await take(deps, codeHash, earlier, now)); // its caller stopped
    case 'exchanged':
      // The token is stored: the steps after it again, each idempotent, by one caller at a time.
      return finish(deps, request, codeHash, await take(deps, codeHash, earlier, now));
  }
}

/** A number the signup refused for its display name, which this request names anew. */
function renamedBy(request: SignupRequest, journey: SignupJourney): boolean {
  return (
    journey.outcome === 'refused' &&
    (journey.problem ?? '').split('; ').every((part) => part.startsWith('displayName:')) &&
    request.displayNames?.[journey.phoneNumberId] !== undefined
  );
}

/** How the refusal of a number another journey held ends: what a repeated signup reads to try it again. */
const TAKEN_ADVICE = 'not started by this signup: once it has ended (or is cancelled), send the same signup again';

/** A number the signup refused for its name (named anew now) or for another journey of it (tried again). */
function startsAgain(request: SignupRequest, journey: SignupJourney): boolean {
  return renamedBy(request, journey) || (journey.outcome === 'refused' && !!journey.problem?.endsWith(TAKEN_ADVICE));
}

/**
 * A finished signup's numbers refused for their display name, started with this request's names (`requestedBy`'s),
 * and those refused because another journey of the number ran, started once it has ended.
 * A name the rule refuses never comes this far (the request's schema refuses it first). A journey of the number
 * started since the signup (by an earlier rename whose answer or write was lost) is answered, never started again.
 */
async function startRefusedAgain(
  deps: SignupDeps,
  request: SignupRequest,
  codeHash: string,
  earlier: SignupRecord,
  requestedBy: string,
): Promise<SignupOutcome> {
  const journeys: SignupJourney[] = [];
  let changed = false;
  const windowClosed = windowClosedAt(deps, earlier);
  for (const journey of earlier.journeys) {
    if (!startsAgain(request, journey)) {
      journeys.push(journey);
      continue;
    }
    try {
      const since = journey.e164 ? await journeySince(deps, journey, journey.e164, earlier.signupAt) : null;
      // Past the signup's window a journey started now would ask Meta for the name, then end SIGNUP_EXPIRED.
      if (!since && windowClosed) {
        journeys.push({ ...journey, problem: windowClosed });
        continue;
      }
      journeys.push(since ?? (await startOne(deps, request, { ...earlier, requestedBy }, journey.phoneNumberId)));
    } catch (err) {
      throw new IntakeError(
        'unfinished',
        `starting the journey of ${journey.phoneNumberId} failed (${errorText(err)}): send the same signup again`,
      );
    }
    changed = true;
  }
  if (!changed) return outcomeOf({ ...earlier, journeys }, true);
  const updated: SignupRecord = { ...earlier, journeys, updatedAt: stampOf(deps) };
  // Of two such requests at once, one records its journeys; the other is answered as the signup under way, and a
  // repeat then finds the journey it started (journeySince).
  if (!(await deps.ledger.replace(codeHash, earlier, updated))) throw inProgress();
  return outcomeOf(updated, true);
}

/**
 * Why no journey of this signup starts now, when its 14-day window has closed (by this host's clock, CLOCKS_APART_MS
 * past it: nearer, the journey's own timer decides); null while it is open.
 */
function windowClosedAt(deps: SignupDeps, record: SignupRecord): string | null {
  const closed = signupWindowClosedAt(record, clockOf(deps));
  if (closed === null) return null;
  return (
    `the 14-day Embedded Signup window of this signup closed at ${closed}: nothing was started ` +
    `(a journey would end SIGNUP_EXPIRED); ${RUN_SIGNUP_AGAIN}, or rename a number already live with \`numberflow name\``
  );
}

/** The number's journey if one was started at or after `signupAt` (by this signup), whether it runs or has ended. */
async function journeySince(
  deps: SignupDeps,
  { phoneNumberId }: SignupJourney,
  e164: string,
  signupAt: string,
): Promise<SignupJourney | null> {
  try {
    const run = await deps.temporal.workflow.getHandle(journeyWorkflowId(e164)).describe();
    if (run.startTime.getTime() < Date.parse(signupAt)) return null;
    const outcome = run.status.name === 'RUNNING' ? 'already-running' : 'started';
    return { phoneNumberId, e164, workflowId: run.workflowId, outcome, problem: null };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** The steps after the exchange, taken by this caller: of several at once, one; the others are answered in-progress. */
async function take(deps: SignupDeps, codeHash: string, seen: SignupRecord, now: Date): Promise<SignupRecord> {
  const taken: SignupRecord = { ...seen, state: 'finishing', updatedAt: now.toISOString() };
  if (!(await deps.ledger.replace(codeHash, seen, taken))) throw inProgress();
  return taken;
}

/** The time a ledger write records: the signup's clock (the same one its staleness is judged by). */
/** The intake's clock: the deps' (a test's), else this host's. */
function clockOf(deps: SignupDeps): Date {
  return (deps.now ?? (() => new Date()))();
}

function stampOf(deps: SignupDeps): string {
  return clockOf(deps).toISOString();
}

function inProgress(): IntakeError {
  return new IntakeError(
    'in-progress',
    'this signup is being worked on: send it again in a few seconds for its outcome',
  );
}

function sameSignup(a: SignupRecord, b: SignupRecord): boolean {
  return sameWabaAndNumbers(a, b) && a.businessId === b.businessId;
}

function sameWabaAndNumbers(a: SignupRecord, b: SignupRecord): boolean {
  const ids = (r: SignupRecord) => [...r.phoneNumberIds].sort().join(',');
  return a.wabaId === b.wabaId && ids(a) === ids(b);
}

/** The signup refused for its business id, sent again with another: its exchange stands (the code is spent). */
function correctsTheBusiness(earlier: SignupRecord, fresh: SignupRecord): boolean {
  return (
    earlier.state === 'failed' &&
    earlier.failure?.kind === 'business-mismatch' &&
    earlier.businessId !== fresh.businessId &&
    sameWabaAndNumbers(earlier, fresh)
  );
}

function outcomeOf(record: SignupRecord, repeated: boolean): SignupOutcome {
  return {
    wabaId: record.wabaId,
    businessId: record.businessId,
    signupAt: record.signupAt,
    signupExpiresAt: new Date(signupExpiresAt(record)).toISOString(),
    repeated,
    journeys: record.journeys,
  };
}

/** Records the signup failed and refuses it; `write` is how (a finisher writes only while it holds the record). */
async function fail(
  deps: SignupDeps,
  codeHash: string,
  record: SignupRecord,
  kind: SignupFailureKind,
  message: string,
  write: (failed: SignupRecord) => Promise<unknown> = (failed) => deps.ledger.save(codeHash, failed),
): Promise<never> {
  await write({ ...record, state: 'failed', failure: { kind, message }, updatedAt: stampOf(deps) });
  throw new IntakeError(kind, message);
}

/** The code for the token (once), checked to cover the WABA, then stored. Answers the record, state finishing. */
async function exchange(
  deps: SignupDeps,
  request: SignupRequest,
  codeHash: string,
  record: SignupRecord,
): Promise<SignupRecord> {
  const { wabaId } = request;
  let token: string;
  try {
    token = (await deps.graph.exchangeSignupCode(request.code)).accessToken;
  } catch (err) {
    if (err instanceof GraphInputError) {
      await deps.ledger.release(codeHash); // refused before sending: the code is unspent
      throw new IntakeError('exchange-refused', `${err.message}: set META_APP_ID and META_APP_SECRET`);
    }
    if (err instanceof GraphTransportError && !err.requestMayHaveReachedMeta) {
      await deps.ledger.release(codeHash); // the code never left: it may be sent again while it lives
      throw new IntakeError(
        'exchange-unanswered',
        `Graph could not be reached for the code exchange (${err.message}): send the signup again within the code's 30 seconds, or ${RUN_SIGNUP_AGAIN}`,
      );
    }
    if (err instanceof GraphError && err.errorClass !== 'permanent') {
      // Meta down or its rate limit (error 2, 4, 80007…): it did not take the code, which works again while it lives.
      await deps.ledger.release(codeHash);
      throw new IntakeError(
        'exchange-unanswered',
        `Meta could not take the code exchange now (error ${err.code}: ${err.details ?? err.metaMessage}): send the signup again within the code's 30 seconds, or ${RUN_SIGNUP_AGAIN}`,
      );
    }
    const [kind, message] = exchangeFailure(err);
    return fail(deps, codeHash, record, kind, message);
  }
  let covers: boolean;
  try {
    covers = tokenCoversWaba(await checkedSoon(() => deps.graph.debugToken(token)), wabaId);
  } catch (err) {
    // Unchecked, the token could replace a good one of this WABA with one for another WABA: it is not kept.
    return fail(
      deps,
      codeHash,
      record,
      'exchange-unanswered',
      `Meta did not confirm which WABAs the new token covers (${errorText(err)}): ${RUN_SIGNUP_AGAIN}`,
    );
  }
  if (!covers) {
    return fail(
      deps,
      codeHash,
      record,
      'token-not-for-waba',
      `the token of this signup does not grant whatsapp_business_management on WABA ${wabaId}: the customer must pick that WABA in Embedded Signup — ${RUN_SIGNUP_AGAIN}`,
    );
  }
  const outside = await ownedOutsideCallersPortfolios(deps, wabaId, token);
  if (outside) return fail(deps, codeHash, record, ...outside);
  await keepToken(deps, codeHash, record, token);
  // This caller claimed the code: it goes on to the steps after the exchange.
  const finishing: SignupRecord = { ...record, state: 'finishing', updatedAt: stampOf(deps) };
  await deps.ledger.save(codeHash, finishing);
  return finishing;
}

/**
 * Why a caller limited to some portfolios may not store this token, if it may not: the WABA is owned by a business
 * outside them (not named: it is another portfolio's), or Meta did not say which (the token is not kept unchecked).
 */
async function ownedOutsideCallersPortfolios(
  deps: SignupDeps,
  wabaId: string,
  token: string,
): Promise<[SignupFailureKind, string] | null> {
  if (!deps.mayUsePortfolio) return null;
  let owner: string;
  try {
    owner = (await checkedSoon(() => deps.graph.getWabaOwner(wabaId, token))).portfolioId;
  } catch (err) {
    return [
      'exchange-unanswered',
      `Meta did not say which business owns WABA ${wabaId} (${errorText(err)}): the new token is not kept — ${RUN_SIGNUP_AGAIN}`,
    ];
  }
  if (deps.mayUsePortfolio(owner)) return null;
  return ['waba-outside-portfolios', outsideCallersPortfolios(wabaId, true)];
}

/** Why a caller limited to portfolios may not finish this signup; `fresh`: its token was just exchanged, not kept. */
function outsideCallersPortfolios(wabaId: string, fresh: boolean): string {
  const token = fresh ? ': the new token is not kept (a token stored for the WABA stays)' : '';
  return `WABA ${wabaId} is owned by a business outside the portfolios this principal may use${token} — the signup is for an onboarding principal of the WABA's portfolio, or one not limited to portfolios`;
}

/**
 * Pauses between tries of the token's check: the code is spent by then, so a passing outage (Meta's 131016, 2, a
 * dropped connection) must not fail the signup for good. Tried again only within TOKEN_CHECK_BUDGET_MS of the first
 * try (the caller waits, and a signup claimed longer than a minute reads as stopped), and not for a rate limit that
 * asks for longer than the pause.
 */
export const TOKEN_CHECK_PAUSES_MS = [500, 1_500];
const TOKEN_CHECK_BUDGET_MS = 5_000;

/** `call`, tried again after each pause while it fails for now and the budget lasts. */
async function checkedSoon<T>(call: () => Promise<T>, pauses = TOKEN_CHECK_PAUSES_MS): Promise<T> {
  const until = Date.now() + TOKEN_CHECK_BUDGET_MS;
  for (const pause of pauses) {
    try {
      return await call();
    } catch (err) {
      const forNow =
        (err instanceof GraphError || err instanceof GraphTransportError) && err.errorClass !== 'permanent';
      const waitAsked = err instanceof GraphError ? (err.retryAfterMs ?? 0) : 0;
      if (!forNow || waitAsked > pause || Date.now() + pause > until) throw err;
    }
    await delay(pause);
  }
  return call();
}

/** Meta's words for a spent or stale code are undocumented (docs/sandbox-assumptions.md#token-exchange): read them. */
function exchangeFailure(err: unknown): [SignupFailureKind, string] {
  if (err instanceof GraphError) {
    const said = `${err.metaMessage} ${err.details ?? ''}`;
    if (/has been used|already (been )?used/i.test(said)) {
      return [
        'code-used',
        `Meta says this Embedded Signup code was already used: codes are single use — ${RUN_SIGNUP_AGAIN}`,
      ];
    }
    if (/expired/i.test(said)) {
      return [
        'code-expired',
        `the Embedded Signup code expired before it was exchanged (codes live 30 seconds): ${RUN_SIGNUP_AGAIN}`,
      ];
    }
    if (/verification code|code format/i.test(said)) {
      return [
        'exchange-refused',
        `Meta refused the Embedded Signup code itself (error ${err.code}: ${err.details ?? err.metaMessage}): send the code FB.login's callback returned, unchanged — ${RUN_SIGNUP_AGAIN}`,
      ];
    }
    return [
      'exchange-refused',
      `Meta refused the code exchange (error ${err.code}: ${err.details ?? err.metaMessage}): check META_APP_ID and META_APP_SECRET, then ${RUN_SIGNUP_AGAIN}`,
    ];
  }
  return [
    'exchange-unanswered',
    `the code exchange got no answer (${errorText(err)}); the code may be spent: ${RUN_SIGNUP_AGAIN}`,
  ];
}

/** With the token stored: the WABA's owner checked, the app subscribed, a journey per number. */
async function finish(
  deps: SignupDeps,
  request: SignupRequest,
  codeHash: string,
  record: SignupRecord,
): Promise<SignupOutcome> {
  const { wabaId, businessId } = record;
  const stamp = () => stampOf(deps);
  // The finisher's hold on the record: renewed before each step, so that a slow finish (a hundred numbers) is not
  // taken over as a stopped one, and each write made only while it holds it (one taken over writes nothing more).
  let held = record;
  const hold = async (next: SignupRecord) => {
    if (!(await deps.ledger.replace(codeHash, held, next))) throw inProgress();
    held = next;
  };
  const journeys: SignupJourney[] = [];
  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    await hold({ ...held, updatedAt: stamp() });
    try {
      return await work();
    } catch (err) {
      // The token itself refused (the customer removed the app meanwhile): sending the signup again cannot finish it.
      if (err instanceof GraphError && TOKEN_REFUSED_CODES.includes(err.code)) {
        // Journeys started before it run on, waiting for a token: said, as no later answer to this signup lists them.
        const started = journeys.filter((j) => j.outcome === 'started').map((j) => j.e164 ?? j.phoneNumberId);
        const runOn =
          started.length > 0
            ? ` (the journeys it started — ${started.join(', ')} — wait for the new signup's token)`
            : '';
        const why = `Meta refused the customer's token while ${what} (error ${err.code}: ${err.metaMessage}): it was revoked or expired since the code's exchange, so this signup cannot be finished — ${RUN_SIGNUP_AGAIN}${runOn}`;
        return fail(deps, codeHash, held, 'token-revoked', why, hold);
      }
      // Left for the next caller to take at once.
      await deps.ledger.replace(codeHash, held, { ...held, state: 'exchanged', updatedAt: stamp() });
      throw new IntakeError(
        'unfinished',
        `${what} failed (${errorText(err)}); the token is stored: send the same signup again to finish`,
      );
    }
  };
  // The portfolio (its registered-number cap) is the business that owns the WABA at Meta.
  const owner = await step(`reading the owner of WABA ${wabaId}`, () => deps.graph.getWabaOwner(wabaId));
  // A caller limited to portfolios is not told an owner outside them (a correction, a resumed signup).
  if (deps.mayUsePortfolio && !deps.mayUsePortfolio(owner.portfolioId)) {
    return fail(deps, codeHash, held, 'waba-outside-portfolios', outsideCallersPortfolios(wabaId, false), hold);
  }
  if (owner.portfolioId !== businessId) {
    return fail(
      deps,
      codeHash,
      held,
      'business-mismatch',
      `WABA ${wabaId} belongs to business portfolio ${owner.portfolioId} at Meta, not ${businessId}: send the same signup again with the business_id Embedded Signup returned (the token is stored; the code is not exchanged again)`,
      hold,
    );
  }
  await step(`subscribing the app to WABA ${wabaId}'s webhooks`, () => deps.graph.subscribeApp(wabaId));
  for (const phoneNumberId of record.phoneNumberIds) {
    journeys.push(
      await step(`starting the journey of ${phoneNumberId}`, () => startOne(deps, request, record, phoneNumberId)),
    );
  }
  // Journeys of this WABA waiting for a token (Meta refused the old one) go on with the new one; before the signup is
  // done, so that one whose announce failed is finished again, announce and all.
  await step("telling the WABA's journeys of the new token", () =>
    announceNewToken(deps.temporal, wabaId, record.requestedBy),
  );
  const done: SignupRecord = { ...held, state: 'done', journeys, updatedAt: stamp() };
  await hold(done);
  return outcomeOf(done, false);
}

async function startOne(
  deps: SignupDeps,
  request: SignupRequest,
  record: SignupRecord,
  phoneNumberId: string,
): Promise<SignupJourney> {
  const refused = (problem: string, e164: string | null = null): SignupJourney => ({
    phoneNumberId,
    e164,
    workflowId: null,
    outcome: 'refused',
    problem,
  });
  let number;
  try {
    number = await deps.graph.getPhoneNumber({ wabaId: record.wabaId, phoneNumberId }, [
      'display_phone_number',
      'verified_name',
    ]);
  } catch (err) {
    if (err instanceof GraphError && err.errorClass === 'permanent' && err.code !== 190) {
      // Meta's code, not its words: they may name a WABA of another business the caller may not know of.
      const trace = err.fbtraceId ? `, fbtrace_id ${err.fbtraceId}` : '';
      return refused(
        `Meta does not show phone_number_id ${phoneNumberId} on WABA ${record.wabaId} (Meta error ${err.code}${trace})`,
      );
    }
    throw err;
  }
  const e164 = number.display_phone_number ? e164OfDisplay(number.display_phone_number) : null;
  if (!e164) return refused('Meta shows no display_phone_number for it');
  const given = request.displayNames?.[phoneNumberId];
  let input;
  try {
    input = parseJourneyRequest({
      wabaId: record.wabaId,
      portfolioId: record.businessId,
      phoneNumber: e164,
      displayName: given ?? number.verified_name ?? '',
      phoneNumberId,
      signupAt: record.signupAt,
      requestedBy: record.requestedBy,
    });
    // The name given instead of Meta's: the journey asks Meta for it (while Meta has not approved its own).
    if (given !== undefined) input = { ...input, replacesMetaName: true };
  } catch (err) {
    if (err instanceof JourneyInputError) return refused(err.problems.join('; '), e164);
    throw err;
  }
  try {
    const started = await startJourney(deps.temporal, deps.taskQueue, input);
    return { phoneNumberId, e164, workflowId: started.workflowId, outcome: 'started', problem: null };
  } catch (err) {
    if (!(err instanceof JourneyConflictError)) throw err;
    const running = await describeJourney(deps.temporal, e164);
    if (running.phoneNumberId === phoneNumberId) {
      // Its window is its own start's: this signup does not move it.
      const { signupExpiresAt } = running.deadlines;
      const workflowId = journeyWorkflowId(e164);
      return { phoneNumberId, e164, workflowId, outcome: 'already-running', problem: null, signupExpiresAt };
    }
    return refused(`${e164} already has a journey in progress (${journeyWorkflowId(e164)}), ${TAKEN_ADVICE}`, e164);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
