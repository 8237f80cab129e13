// Journeys driven the way an operator and Meta drive them: started, their code submitted once they wait for it,
// read until a stage; every wait polled at a fixed pace and bounded.
import type { Client } from '@temporalio/client';
import { journeyQuery, type JourneyView } from '../src/domain/journey.js';
import { NumberStage } from '../src/domain/search-attributes.js';
import { parseJourneyRequest } from '../src/domain/journey-input.js';
import { submitOtpUpdate } from '../src/domain/messages.js';
import { startJourney } from '../src/journeys/index.js';
import type { SandboxAdmin } from '../src/sandbox/index.js';

/** How often a driver reads a journey (the same pace for the journeys and their baselines). */
export const POLL_MS = 100;
const WAIT_MS = 300_000;

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The i-th number of a run: valid, distinct for i below 8,000,000. */
export function benchNumber(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= 8_000_000) throw new Error(`no bench number ${i}`);
  return `+1415${String(2_000_000 + i)}`;
}

/** Reads until `done` holds, every POLL_MS; bounded. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`waited too long for ${what}; last seen ${JSON.stringify(value).slice(0, 400)}`);
    await pause(POLL_MS);
  }
}

export interface JourneyAt {
  wabaId: string;
  portfolioId: string;
  taskQueue: string;
}

export async function startBenchJourney(client: Client, at: JourneyAt, i: number): Promise<string> {
  const input = parseJourneyRequest({
    wabaId: at.wabaId,
    portfolioId: at.portfolioId,
    phoneNumber: benchNumber(i),
    displayName: 'Bench Co',
    requestedBy: 'bench',
  });
  return (await startJourney(client, at.taskQueue, input)).workflowId;
}

const ended = (v: JourneyView) => v.result !== null;

export function untilStage(client: Client, workflowId: string, stage: JourneyView['stage']): Promise<JourneyView> {
  return until(
    () => client.workflow.getHandle(workflowId).query(journeyQuery),
    (v) => v.stage === stage || ended(v),
    `${workflowId} at ${stage}`,
  ).then((v) => {
    if (v.stage !== stage) throw new Error(`${workflowId} ended at ${v.stage} instead of reaching ${stage}`);
    return v;
  });
}

/** The code the sandbox sent the journey's number (it is AWAITING_OTP). */
export function codeOf(admin: SandboxAdmin, view: JourneyView): string {
  const code = view.phoneNumberId ? admin.latestCode(view.phoneNumberId) : undefined;
  if (code === undefined) throw new Error(`no code reached ${view.e164}`);
  return code;
}

/**
 * Reads the journey's stage from its NumberStage search attribute until it is `stage`: the server answers from the
 * run's state (describe), so this wait puts no query on the worker — as the ideal's wait for its result puts none.
 */
export async function untilStageAttribute(client: Client, workflowId: string, stage: JourneyView['stage']) {
  const handle = client.workflow.getHandle(workflowId);
  const seen = await until(
    () =>
      handle
        .describe()
        .then((d) => ({ running: d.status.name === 'RUNNING', stage: d.typedSearchAttributes.get(NumberStage) })),
    (v) => v.stage === stage || !v.running,
    `${workflowId} at ${stage}`,
  );
  if (seen.stage !== stage) throw new Error(`${workflowId} ended at ${seen.stage} instead of reaching ${stage}`);
}

/**
 * A whole happy journey: started, its code submitted, LIVE (Meta's webhooks do the rest). Read as the ideal's driver
 * reads it: by query until it waits for the code, then without the worker until the end (LIVE here).
 */
export async function happyJourney(client: Client, admin: SandboxAdmin, at: JourneyAt, i: number): Promise<string> {
  const workflowId = await startBenchJourney(client, at, i);
  const waiting = await untilStage(client, workflowId, 'AWAITING_OTP');
  await client.workflow
    .getHandle(workflowId)
    .executeUpdate(submitOtpUpdate, { args: [{ code: codeOf(admin, waiting), actor: 'bench' }] });
  await untilStageAttribute(client, workflowId, 'LIVE');
  return workflowId;
}

/** Runs `count` tasks with at most `inFlight` at a time. */
export async function inFlight(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
