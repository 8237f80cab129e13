// The command line's human-readable output and its failure messages: what a person reads instead of JSON.
import { describe, expect, it } from 'vitest';
import { ApiAnswerError, ApiTransportError } from '../../src/cli/api-client.js';
import { CliExit, failureOf } from '../../src/cli/failure.js';
import { KeyCheckError } from '../../src/codec/key-probe.js';
import { ConfigError } from '../../src/config.js';
import { eventLine, outcomeLine, relative, startedLine, summaryLines, viewSummary } from '../../src/cli/format.js';
import { waitingOrder, type WaitingJourney } from '../../src/journeys/summary.js';
import { JourneyInputError } from '../../src/domain/journey-input.js';
import type { JourneyNote, JourneyView } from '../../src/domain/journey.js';
import { journeyView, retriedCall } from '../support/journey-view.js';
import { reconcileLine, setCapLine } from '../../src/cli/portfolio-commands.js';
import type { PortfolioView } from '../../src/portfolios/portfolio.js';

const now = new Date('2025-06-01T12:00:00.000Z');

function view(overrides: Partial<JourneyView> = {}): JourneyView {
  return journeyView({
    waiting: {
      for: 'operator',
      reason: 'an operator must submit the 6-digit code Meta sent by SMS.',
      until: '2025-06-01T12:14:00.000Z',
    },
    deadlines: {
      signupExpiresAt: '2025-06-15T11:00:00.000Z',
      codeExpiresAt: '2025-06-01T12:14:00.000Z',
      reRegisterBy: null,
      deletionAllowedAt: null,
    },
    attempts: { codeRequests: 1, wrongCodes: 1, wrongPins: 0, registerCalls: 0, deregisterCalls: 0 },
    notes: [{ at: '2025-06-01T11:59:00.000Z', actor: 'operator@acme', what: 'submitted a code that Meta refused' }],
    ...overrides,
  });
}

describe("show's summary", () => {
  it('says where the journey stands, who it waits for and until when, the deadlines, attempts, name and notes', () => {
    expect(viewSummary(view(), now)).toEqual([
      '+14155552671  AWAITING_OTP',
      '  waits for     operator: an operator must submit the 6-digit code Meta sent by SMS, until 2025-06-01T12:14:00.000Z (in 14 minutes)',
      '  number        phone_number_id 106540352242922, WABA 102290129340398, portfolio 506914307656634, cloud_api, code by SMS',
      '  display name  "Acme Support" PENDING_REVIEW',
      '  deadlines     signup window ends 2025-06-15T11:00:00.000Z (in 13 days); code lasts until about 2025-06-01T12:09:00.000Z (in 9 minutes); code wait ends 2025-06-01T12:14:00.000Z (in 14 minutes)',
      "  attempts      code requests 1, wrong codes 1, wrong PINs 0, register calls 0, deregister calls 0 (0 of Meta's 10 registrations in 72 h by this journey)",
      '  notes',
      '    2025-06-01T11:59:00.000Z  operator@acme: submitted a code that Meta refused',
    ]);
  });

  it("writes out the controls and direction overrides of a name Meta holds, in the name's row and in notes", () => {
    const held = 'Pizza \u001b[31mRED\u001b[0m \u202eazzip\u202c\nTwo';
    const lines = viewSummary(
      view({
        displayName: { current: held, pending: null, status: 'APPROVED' },
        notes: [{ at: '2025-06-01T11:59:00.000Z', actor: 'numberflow', what: `Meta has the number under "${held}"` }],
      }),
      now,
    );
    const written = 'Pizza \\x1b[31mRED\\x1b[0m \\u202eazzip\\u202c\\x0aTwo';
    expect(lines).toContain(`  display name  "${written}" APPROVED`);
    expect(lines.at(-1)).toBe(`    2025-06-01T11:59:00.000Z  numberflow: Meta has the number under "${written}"`);
    for (const obeyed of ['\u001b', '\u202e', '\n']) expect(lines.join('')).not.toContain(obeyed);
  });

  it('shows how an ended journey ended, its last Meta error, and only the latest five notes', () => {
    const notes: JourneyNote[] = Array.from({ length: 7 }, (_, i) => ({
      at: `2025-06-01T10:0${i}:00.000Z`,
      actor: 'numberflow',
      what: `note ${i + 1}`,
    }));
    const lines = viewSummary(
      view({
        stage: 'FAILED',
        waiting: null,
        deadlines: { signupExpiresAt: null, codeExpiresAt: null, reRegisterBy: null, deletionAllowedAt: null },
        status: 'PENDING',
        sendsPaused: true,
        displayName: { current: 'Acme Support', pending: 'Acme Help', status: 'APPROVED' },
        lastError: {
          code: 133005,
          subcode: null,
          type: 'OAuthException',
          message: 'Two step verification PIN Mismatch',
          details: null,
          fbtraceId: 'AbCdEf',
          httpStatus: 400,
          errorClass: 'permanent',
          retryAfterMs: null,
          remediation: 'Submit the PIN already set on the number.',
          endpoint: 'POST /{phone-number-id}/register',
        },
        result: {
          outcome: 'FAILED',
          reasonCode: 'PIN_ATTEMPTS_EXHAUSTED',
          reason: 'three wrong PINs',
          remediation: 'Reset the PIN in WhatsApp Manager, then start a new journey.',
          actor: null,
          metaError: null,
        },
        notes,
      }),
      now,
    );
    expect(lines[0]).toBe('+14155552671  FAILED');
    expect(lines).toContain(
      '  ended         FAILED (PIN_ATTEMPTS_EXHAUSTED): three wrong PINs — Reset the PIN in WhatsApp Manager, then start a new journey.',
    );
    expect(lines).toContain(
      '  last error    Meta 133005: Two step verification PIN Mismatch (fbtrace_id AbCdEf)', // no advice once ended
    );
    expect(lines).toContain('  display name  "Acme Help" APPROVED (replacing "Acme Support")');
    expect(lines.find((l) => l.startsWith('  number'))).toMatch(/, status PENDING, sends paused$/);
    expect(lines.some((l) => l.startsWith('  waits for') || l.startsWith('  deadlines'))).toBe(false);
    expect(lines.slice(-6)).toEqual([
      '  notes (latest 5 of 7)',
      ...['3', '4', '5', '6', '7'].map((n) => `    2025-06-01T10:0${Number(n) - 1}:00.000Z  numberflow: note ${n}`),
    ]);
  });

  it("says Meta stopped the number's sends, with what Meta said, written out where it holds controls", () => {
    const stopped = view({
      stage: 'LIVE',
      waiting: null,
      sendsPaused: true,
      stoppedByMeta: {
        event: 'DISABLED_UPDATE',
        detail: 'waba_ban_state DISABLE\u001b[2J',
        at: '2025-06-01T11:00:00.000Z',
      },
      quality: { event: 'FLAGGED', limit: 'TIER_250', at: '2025-06-01T10:00:00.000Z' },
    });
    expect(viewSummary(stopped, now).find((l) => l.startsWith('  number'))).toContain(
      ', quality FLAGGED (messaging limit TIER_250) at 2025-06-01T10:00:00.000Z, sends paused',
    );
    expect(viewSummary(stopped, now).find((l) => l.startsWith('  number'))).toMatch(
      /, sends paused, stopped by Meta: DISABLED_UPDATE \(waba_ban_state DISABLE\\x1b\[2J\) at 2025-06-01T11:00:00\.000Z$/,
    );
  });

  it('says a removal is blocked while it waits out the paid-message block, and no code method for coexistence', () => {
    const lines = viewSummary(
      view({
        stage: 'REMOVING',
        path: 'coexistence',
        waiting: { for: 'meta', reason: 'Meta refuses deletion for 30 days after a paid message', until: null },
        removalBlocked: {
          reason: 'Meta restricted the account (RESTRICTED_BIZ_INITIATED_MESSAGING)',
          remediation: 'Appeal in Business Support Home.',
        },
      }),
      now,
    );
    expect(lines).toContain(
      '  blocked       removal blocked: Meta restricted the account (RESTRICTED_BIZ_INITIATED_MESSAGING). Appeal in Business Support Home.',
    );
    expect(lines.find((l) => l.startsWith('  number'))).not.toContain('code by');
    // Blocked as the wait itself says: once is enough.
    const waitSays = viewSummary(
      view({
        stage: 'REMOVING',
        waiting: { for: 'admin', reason: 'removal blocked: Meta restricted the account. Appeal.', until: null },
        removalBlocked: { reason: 'Meta restricted the account', remediation: 'Appeal.' },
      }),
      now,
    );
    expect(waitSays.some((l) => l.startsWith('  blocked'))).toBe(false);
  });

  it('says which Graph call Temporal retries, its attempt, how the one before went and when the next starts', () => {
    const call = retriedCall({ nextAttemptAt: '2025-06-01T12:00:03.000Z' });
    const retrying = (callUnderWay: JourneyView['callUnderWay']) =>
      viewSummary(view({ stage: 'VERIFYING_CODE', waiting: null, callUnderWay }), now).filter((l) =>
        l.startsWith('  retrying'),
      );
    expect(retrying(call)).toEqual([
      '  retrying      verify the code (POST /{phone-number-id}/verify_code), attempt 2; next attempt at 2025-06-01T12:00:03.000Z (in 3 seconds); attempt 1 failed: Meta error 131000: Something went wrong (fbtrace_id AbC)',
    ]);
    expect(retrying({ ...call, attempt: 3, state: 'running', nextAttemptAt: null, attemptBefore: null })).toEqual([
      '  retrying      verify the code (POST /{phone-number-id}/verify_code), attempt 3 (running)',
    ]);
    expect(retrying(null)).toEqual([]);
  });

  it("says until when Meta's code sent last works, and nothing of it when none was sent (Meta refused the first)", () => {
    const deadlines = (codeLastsUntil: string | null) => ({
      signupExpiresAt: null,
      codeExpiresAt: '2025-06-01T13:00:00.000Z', // the refusal's wait, an hour
      codeLastsUntil,
      reRegisterBy: null,
      deletionAllowedAt: null,
    });
    const lines = (codeLastsUntil: string | null) => viewSummary(view({ deadlines: deadlines(codeLastsUntil) }), now);
    expect(lines('2025-06-01T12:04:00.000Z').find((l) => l.includes('deadlines'))).toContain(
      'code lasts until about 2025-06-01T12:04:00.000Z (in 4 minutes)',
    );
    expect(lines(null).find((l) => l.includes('deadlines'))).not.toContain('code lasts');
  });

  it('says times relative to now in the unit that keeps the number small', () => {
    expect(relative('2025-06-01T12:00:30.000Z', now)).toBe('in 30 seconds');
    expect(relative('2025-06-01T11:15:00.000Z', now)).toBe('45 minutes ago');
    expect(relative('2025-06-02T00:00:00.000Z', now)).toBe('in 12 hours');
    expect(relative('2025-05-29T12:00:00.000Z', now)).toBe('3 days ago');
    // In whole units: a deadline is never nearer than said (36 hours were "in 2 days", 13.5 days "in 14 days").
    expect(relative('2025-06-03T00:00:00.000Z', now)).toBe('in 1 day'); // 36 hours: not "tomorrow", 2 June
    expect(relative('2025-06-15T00:00:00.000Z', now)).toBe('in 13 days');
    expect(relative('2025-06-01T13:59:00.000Z', now)).toBe('in 1 hour');
  });
});

describe("watch's lines", () => {
  const seenAt = new Date('2025-06-01T12:00:05.000Z');

  it('prints a stage with who it waits for, a note at its own time, and the end', () => {
    expect(eventLine({ event: 'view', data: view() }, seenAt)).toBe(
      '2025-06-01T12:00:05.000Z  AWAITING_OTP — waits for operator: an operator must submit the 6-digit code Meta sent by SMS, until 2025-06-01T12:14:00.000Z',
    );
    // Stamped by Temporal's clock where the journey says when (a CLI's clock minutes off mixed two in one stream).
    const entered = { stagesEntered: [{ stage: 'AWAITING_OTP' as const, at: '2025-06-01T11:59:00.000Z' }] };
    expect(eventLine({ event: 'view', data: view(entered) }, seenAt)).toMatch(
      /^2025-06-01T11:59:00.000Z {2}AWAITING_OTP/,
    );
    expect(eventLine({ event: 'stage', data: { stage: 'LIVE', waiting: null } }, seenAt)).toBe(
      '2025-06-01T12:00:05.000Z  LIVE',
    );
    expect(
      eventLine(
        { event: 'note', data: { at: '2025-06-01T11:59:00.000Z', actor: 'ops@acme', what: 'submitted a PIN' } },
        seenAt,
      ),
    ).toBe('2025-06-01T11:59:00.000Z  note: ops@acme: submitted a PIN');
    const result = {
      outcome: 'CANCELLED' as const,
      reasonCode: 'CANCELLED_BY_OPERATOR',
      reason: 'cancelled by ops@acme: wrong number',
      remediation: 'Start a new journey when the number is ready.',
      actor: 'ops@acme',
      metaError: null,
    };
    expect(eventLine({ event: 'call', data: { callUnderWay: retriedCall() } }, seenAt)).toBe(
      '2025-06-01T12:00:05.000Z  retrying verify the code (POST /{phone-number-id}/verify_code), attempt 2; next attempt at 2026-12-02T14:00:03.000Z; attempt 1 failed: Meta error 131000: Something went wrong (fbtrace_id AbC)',
    );
    expect(eventLine({ event: 'call', data: { callUnderWay: null } }, seenAt)).toBe(
      '2025-06-01T12:00:05.000Z  no Graph call retried any more',
    );
    expect(eventLine({ event: 'end', data: { result } }, seenAt)).toBe(
      '2025-06-01T12:00:05.000Z  ended CANCELLED (CANCELLED_BY_OPERATOR): cancelled by ops@acme: wrong number — Start a new journey when the number is ready.',
    );
    expect(eventLine({ event: 'end', data: { result, at: '2025-06-01T11:59:30.000Z' } }, seenAt)).toMatch(
      /^2025-06-01T11:59:30.000Z {2}ended CANCELLED/,
    );
  });
});

describe("the answers to start and to an operator's action", () => {
  it('prints an action as accepted, refused or received (taken in, still being worked on)', () => {
    expect(outcomeLine({ outcome: 'accepted', message: 'code accepted', attemptsLeft: null })).toBe(
      'accepted: code accepted',
    );
    expect(outcomeLine({ outcome: 'refused', message: 'code wrong, 2 attempts left', attemptsLeft: 2 })).toBe(
      'refused: code wrong, 2 attempts left',
    );
    expect(outcomeLine({ outcome: 'pending', message: 'verifying with Meta', attemptsLeft: null })).toBe(
      'received: verifying with Meta',
    );
  });

  it('says whether start made the journey or found the one its idempotency key started', () => {
    const started = { workflowId: 'number:+14155552671', runId: 'run-1', journey: view({ stage: 'ADDING' }) };
    expect(startedLine({ started, created: true })).toBe('number:+14155552671 started (run run-1), stage ADDING');
    expect(startedLine({ started, created: false })).toBe(
      'number:+14155552671 was started already under this idempotency key (run run-1), stage ADDING',
    );
    // Started, with no worker to read it yet: said as started, never as a failure to start it again.
    expect(startedLine({ started: { ...started, journey: null }, created: true })).toBe(
      'number:+14155552671 started (run run-1), no worker answered its read yet (is one running?): `numberflow show +14155552671` reads it',
    );
  });
});

describe('what a failed command says', () => {
  it('names every problem of a journey request, one per line, and exits 1', () => {
    const err = new JourneyInputError([
      { path: 'wabaId', message: 'must be a numeric Graph id' },
      { path: 'displayName', message: 'is empty' },
    ]);
    expect(failureOf(err)).toEqual({
      lines: ['numberflow: invalid journey request', '  wabaId: must be a numeric Graph id', '  displayName: is empty'],
      exitCode: 1,
    });
  });

  it('ends an interrupted command quietly with its exit code, and says why when there is a reason', () => {
    expect(failureOf(new CliExit(130))).toEqual({ lines: [], exitCode: 130 });
    expect(failureOf(new CliExit(1, 'the journey ended FAILED without reaching LIVE'))).toEqual({
      lines: ['numberflow: the journey ended FAILED without reaching LIVE'],
      exitCode: 1,
    });
    expect(failureOf(new Error('no journey for +14155552671'))).toEqual({
      lines: ['numberflow: no journey for +14155552671'],
      exitCode: 1,
    });
  });
  it('exits 75 where running the command again later may go through, and 1 where something must change first', () => {
    const exitOf = (err: Error) => failureOf(err).exitCode;
    // The API: unavailable or busy (with numberflow's body, or a proxy's), nothing answering, no answer in time.
    expect(
      exitOf(new ApiAnswerError('Temporal cannot be reached now; try again shortly', 503, 'temporal_unavailable')),
    ).toBe(75);
    expect(exitOf(new ApiAnswerError('update aborted; send it again', 503, 'update_aborted'))).toBe(75);
    expect(exitOf(new ApiAnswerError('too many event streams', 429, 'too_many_streams'))).toBe(75);
    expect(exitOf(new ApiTransportError('answered HTTP 502: a proxy gave up', false, true))).toBe(75);
    // Refusals, and a URL that is not numberflow's: sent again as they are, they fail again.
    expect(exitOf(new ApiAnswerError('code: must be 6 digits', 400, 'invalid_request'))).toBe(1);
    expect(exitOf(new ApiAnswerError('not awaiting a code', 409, 'conflict'))).toBe(1);
    expect(exitOf(new ApiAnswerError('internal error', 500, 'internal'))).toBe(1);
    // A 503 that names what must be mended first is 1, as direct mode says it.
    expect(exitOf(new ApiAnswerError('the key local-1 is missing', 503, 'key_missing'))).toBe(1);
    expect(exitOf(new ApiAnswerError('its workflow task fails', 503, 'workflow_task_failing'))).toBe(1);
    // No worker answering the payload-key check: one started lets it through.
    expect(exitOf(new KeyCheckError('no worker is polling task queue numberflow; start one (npm start)', true))).toBe(
      75,
    );
    expect(exitOf(new KeyCheckError('the worker answered the key check with another nonce'))).toBe(1);
    expect(exitOf(new ApiTransportError("answered HTTP 404 without numberflow's error body"))).toBe(1);
    const misconfigured = new ConfigError('TEMPORAL_NAMESPACE: namespace "x" does not exist');
    expect(exitOf(misconfigured)).toBe(1);
  });
});

describe("list --summary's waits", () => {
  it("puts an admin's waits first, then the oldest, and counts each kind of wait though not all are shown", () => {
    const wait = (e164: string, waitingOn: WaitingJourney['waitingOn'], since: string): WaitingJourney => ({
      e164,
      workflowId: `number:${e164}`,
      portfolioId: '1',
      stage: waitingOn === 'code' ? 'AWAITING_OTP' : 'REQUESTING_CODE',
      waitingOn,
      since,
    });
    const waits = [
      wait('+14155550101', 'code', '2025-06-01T10:00:00.000Z'),
      wait('+14155550102', 'token', '2025-06-01T11:30:00.000Z'),
      wait('+14155550103', 'code', '2025-06-01T09:00:00.000Z'),
      wait('+14155550104', 'deletion', '2025-06-01T11:00:00.000Z'),
    ].sort(waitingOrder);
    expect(waits.map((w) => w.e164)).toEqual(['+14155550104', '+14155550102', '+14155550103', '+14155550101']);
    const lines = summaryLines({
      portfolios: [{ portfolioId: '1', total: 4, stages: { AWAITING_OTP: 2, REQUESTING_CODE: 2 } }],
      waiting: waits.slice(0, 2),
      waitingTotal: 4,
      waitingByInput: { deletion: 1, token: 1, code: 2 },
    });
    expect(lines[1]).toBe(
      "waiting for a person: 4 (deletion 1, token 1, code 2) (2 shown: an admin's waits first, then the oldest)",
    );
  });
});

describe("reconcile's answer", () => {
  it('says what the reconciliation found, or why it failed, or that it was asked for and goes on', () => {
    const view: PortfolioView = {
      portfolioId: '1234567890',
      cap: 20,
      capSource: { source: 'default', at: null, actor: null, reason: null },
      capChanges: [],
      stopped: null,
      holders: [],
      queue: [],
      admissions: 0,
      notes: [],
      lastReconciliation: {
        at: '2026-12-06T10:00:00.000Z',
        found: 'no holder and no queue: nothing to check',
        failed: false,
      },
      readingMetaCount: false,
    };
    expect(reconcileLine(view, true)).toBe(
      'accepted: portfolio 1234567890 reconciled at 2026-12-06T10:00:00.000Z: no holder and no queue: nothing to check',
    );
    expect(reconcileLine(view, false)).toBe(
      'received: a reconciliation of portfolio 1234567890 was asked for and had not ended within 10 s (Meta slow or away: it is retried for up to 15 minutes); `portfolio show` says when it has',
    );
    const failed = { at: '2026-12-06T10:15:00.000Z', found: 'failed: Graph unreachable', failed: true };
    expect(reconcileLine({ ...view, lastReconciliation: failed }, true)).toBe(
      'failed: portfolio 1234567890 could not reconcile at 2026-12-06T10:15:00.000Z (Graph unreachable): every slot stays as it is',
    );
  });
});

describe("set-cap's answer", () => {
  const change = (cap: number, actor: string, reason: string) => ({
    cap,
    source: 'admin' as const,
    actor,
    reason,
    at: '2026-12-06T10:00:00.000Z',
  });
  const view = (changes: ReturnType<typeof change>[]): PortfolioView => ({
    portfolioId: '1234567890',
    stopped: null,
    cap: changes.at(-1)?.cap ?? 20,
    capSource: changes.at(-1) ?? { source: 'default', at: null, actor: null, reason: null },
    capChanges: changes,
    holders: [],
    queue: [],
    admissions: 0,
    notes: [],
    lastReconciliation: null,
    readingMetaCount: false,
  });

  it("says the cap is the admin's, or that another admin's replaced it at once, or that it is not shown yet", () => {
    const mine = change(8, 'ann@acme', 'contract signed');
    const theirs = change(3, 'bob@acme', 'audit hold');
    expect(setCapLine(view([theirs, mine]), { cap: 8, reason: 'contract signed' }, true)).toBe(
      'accepted: the cap of portfolio 1234567890 is now 8',
    );
    expect(setCapLine(view([mine, theirs]), { cap: 8, reason: 'contract signed' }, true)).toBe(
      'accepted: the cap of 8 was set, then replaced by 3 from bob@acme (audit hold)',
    );
    expect(setCapLine(view([theirs]), { cap: 8, reason: 'contract signed' }, false)).toBe(
      'received: the cap of 8 was sent; the portfolio still shows 3',
    );
  });
});
