// The fault storm of test/integration/fault-storm.test.ts and `npm run chaos`: seeded, probabilistic transient
// faults on every Graph endpoint the journey calls, and a driver that walks a journey to LIVE through them.
import type { Client } from '@temporalio/client';
import { journeyQuery, type JourneyView } from '../../src/domain/journey.js';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import type { FaultSpec, SandboxAdmin } from '../../src/sandbox/index.js';

/** The transient codes of the sandbox's error table: unknown, service, "something went wrong", 503; 130429. */
export const STORM_CODES = [1, 2, 131000, 133004, 130429] as const;
export const stormCodes: ReadonlySet<number> = new Set(STORM_CODES);

/**
 * Each call rolls every fault of its endpoint: about 30% of the calls fail (one code each, equally likely) and 30%
 * are slowed. register and request_code are not retried by Temporal: after a failure the journey waits itself, 5 s,
 * 20 s, 80 s… after a transient one (the count of waits includes 130429's 1 s ones), and a repeated register or
 * request_code first reads the number (GET /phone_number) inside that same unretried attempt. So on these three
 * endpoints the storm blows at 11%, nearly all 130429, to keep a run bounded: a journey whose chain of repeats
 * meets a transient code on its third try waits 80 s (about 0.1% a chain).
 */
const RETRIED = ['GET /phone_numbers', 'POST /phone_numbers', 'POST /verify_code'];
const NOT_RETRIED = ['POST /register', 'POST /request_code', 'GET /phone_number'];

export function stormFaults(): FaultSpec[] {
  const many = 1_000_000; // probabilistic faults stay armed for the whole run
  const errors = (endpoint: string, each: (code: number) => number): FaultSpec[] =>
    STORM_CODES.map((code) => ({ endpoint, kind: 'error', code, probability: each(code), times: many }));
  const latency = (endpoint: string): FaultSpec => ({
    endpoint,
    kind: 'latency',
    latencyMs: 300,
    probability: 0.3,
    times: many,
  });
  // 1 - (1 - 0.069)^5 ≈ 0.30 of the calls fail; 0.1 + 4 × 0.0025 ≈ 0.11 where the journey waits itself.
  return [
    ...RETRIED.flatMap((e) => [...errors(e, () => 0.069), latency(e)]),
    ...NOT_RETRIED.flatMap((e) => [...errors(e, (code) => (code === 130429 ? 0.1 : 0.0025)), latency(e)]),
  ];
}

export function injectStorm(admin: SandboxAdmin): void {
  for (const spec of stormFaults()) admin.injectFault(spec);
}

async function until(
  view: () => Promise<JourneyView>,
  done: (v: JourneyView) => boolean,
  timeoutMs: number,
): Promise<JourneyView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await view();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`journey stuck at ${v.stage}: ${JSON.stringify(v.waiting)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Walks a started journey to its end through the storm: submits the code the phone got (the sandbox approves
 * names by itself: nameReviewDelayMs), and answers the last view (LIVE, or how it ended).
 */
export async function driveToLive(
  client: Client,
  admin: SandboxAdmin,
  workflowId: string,
  timeoutMs: number,
): Promise<JourneyView> {
  const handle = client.workflow.getHandle(workflowId);
  const view = () => handle.query(journeyQuery);
  const ended = (v: JourneyView) => v.result !== null;
  const waiting = await until(view, (v) => v.stage === 'AWAITING_OTP' || ended(v), timeoutMs);
  if (ended(waiting)) return waiting;
  const code = admin.latestCode(waiting.phoneNumberId as string);
  if (code === undefined) throw new Error(`no code reached ${waiting.phoneNumberId}`);
  await handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'storm' }] });
  return until(view, (v) => v.stage === 'LIVE' || ended(v), timeoutMs);
}
