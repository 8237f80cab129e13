// A journey's view as the tests of its readers (the CLI's summary, the console's pages) build it: a number
// awaiting its code, with whatever a test overrides.
import type { CallUnderWay, JourneyView } from '../../src/domain/journey.js';
import type { MetaError } from '../../src/domain/meta-error.js';

export function journeyView(overrides: Partial<JourneyView> = {}): JourneyView {
  return {
    e164: '+14155552671',
    wabaId: '102290129340398',
    portfolioId: '506914307656634',
    path: 'cloud_api',
    stage: 'AWAITING_OTP',
    stagesEntered: [],
    phoneNumberId: '106540352242922',
    codeMethod: 'SMS',
    ivr: false,
    waiting: { for: 'operator', reason: 'an operator must submit the code', until: '2026-12-02T15:14:00.000Z' },
    removalBlocked: null,
    deadlines: { signupExpiresAt: null, codeExpiresAt: null, reRegisterBy: null, deletionAllowedAt: null },
    attempts: { codeRequests: 1, wrongCodes: 0, wrongPins: 0, registerCalls: 0, deregisterCalls: 0 },
    registrationCallsIn72h: 0,
    displayName: { current: 'Acme Support', pending: null, status: 'PENDING_REVIEW' },
    status: null,
    lastError: null,
    recentEvents: [],
    notes: [],
    sendsPaused: false,
    stoppedByMeta: null,
    quality: null,
    identityCheck: 'off',
    result: null,
    callUnderWay: null,
    ...overrides,
  };
}

/** Meta's error as a view holds it (a transient 131000 with its fbtrace_id), with whatever a test overrides. */
export function metaError(overrides: Partial<MetaError> = {}): MetaError {
  return {
    code: 131000,
    subcode: null,
    type: 'OAuthException',
    message: 'Something went wrong',
    details: null,
    fbtraceId: 'AbC',
    httpStatus: 500,
    errorClass: 'transient',
    retryAfterMs: null,
    remediation: 'numberflow retries with backoff',
    endpoint: null,
    ...overrides,
  };
}

/** A verify call Temporal retries, backing off after Meta's 131000, with whatever a test overrides. */
export function retriedCall(overrides: Partial<CallUnderWay> = {}): CallUnderWay {
  return {
    call: 'verify the code',
    endpoint: 'POST /{phone-number-id}/verify_code',
    attempt: 2,
    state: 'backing off',
    attemptBefore: 'failed: Meta error 131000: Something went wrong (fbtrace_id AbC)',
    nextAttemptAt: '2026-12-02T14:00:03.000Z',
    ...overrides,
  };
}
