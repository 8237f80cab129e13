// Journeys driven the way an operator and Meta drive them: started, their code submitted once they wait for it,
// read until a stage; every wait polled at a fixed pace and bounded.
import { WorkflowUpdateFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
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

/** What a side's driver waits for, read from visibility: the runs it lists, and whether a listed run got there. */
export interface WatchGoal {
  workflowType: string;
  /** The condition (beside the ids) under which visibility lists a run that got there or ended. */
  listed: string;
  /** Null when the run got there, else why not (it ended otherwise). */
  missed(run: WorkflowExecutionInfo): string | null;
}

/** A real journey: LIVE (it runs on until removed), or ended before it. */
export const liveJourney: WatchGoal = {
  workflowType: 'numberJourney',
  listed: `(NumberStage = 'LIVE' OR ExecutionStatus != 'Running')`,
  missed: (run) => {
    const stage = run.typedSearchAttributes.get(NumberStage);
    return stage === 'LIVE' ? null : `ended at ${stage} instead of LIVE`;
  },
};

/** The ideal journey: its run completed. */
export const completedIdeal: WatchGoal = {
  workflowType: 'idealJourney',
  listed: `ExecutionStatus != 'Running'`,
  missed: (run) => (run.status.name === 'COMPLETED' ? null : `ended ${run.status.name}`),
};

/**
 * Journeys waited on until they reach their goal, read together from visibility: one list of the runs that got
 * there or ended, every POLL_MS, for all of them. Both sides of a benchmark wait this way, so that the driver's reads
 * weigh on them alike: a list costs the dev server about 3 ms of CPU whatever it finds, and 0.3 ms a run it returns
 * (measured), where the ideal's wait for its result by one long poll cost it less than the real's lists.
 */
export class GoalWatch {
  private readonly waiting = new Map<string, { deadline: number; done: (err?: Error) => void }>();
  private reading: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly goal: WatchGoal,
  ) {}

  /** Resolves once the run got there; fails if it ends otherwise, or after WAIT_MS. */
  until(workflowId: string): Promise<void> {
    const seen = new Promise<void>((resolve, reject) =>
      this.waiting.set(workflowId, {
        deadline: Date.now() + WAIT_MS,
        done: (err) => (err ? reject(err) : resolve()),
      }),
    );
    this.reading ??= this.read();
    return seen;
  }

  /** Until none waits; cleared here, not after, so that a journey added as it ends starts another read. */
  private async read(): Promise<void> {
    const { workflowType, listed, missed } = this.goal;
    while (this.waiting.size > 0) {
      await pause(POLL_MS);
      // Only the runs waited on (at most the in-flight count), so a list costs the same late in a long run.
      const ids = [...this.waiting.keys()].map((id) => `'${id}'`).join(', ');
      const query =
        `WorkflowType = '${workflowType}' AND TaskQueue = '${this.taskQueue}' AND WorkflowId IN (${ids}) ` +
        `AND ${listed}`;
      try {
        for await (const run of this.client.workflow.list({ query, pageSize: 1_000 })) {
          const waiter = this.waiting.get(run.workflowId);
          if (!waiter) continue;
          this.waiting.delete(run.workflowId);
          const why = missed(run);
          waiter.done(why === null ? undefined : new Error(`${run.workflowId} ${why}`));
        }
      } catch (err) {
        for (const waiter of this.waiting.values()) waiter.done(err as Error);
        this.waiting.clear();
      }
      for (const [workflowId, waiter] of this.waiting)
        if (Date.now() > waiter.deadline) {
          this.waiting.delete(workflowId);
          waiter.done(new Error(`waited too long for ${workflowId} to reach its goal`));
        }
    }
    this.reading = undefined;
  }
}

/**
 * A whole happy journey: started, its code submitted, LIVE (Meta's webhooks do the rest). Driven as the ideal is:
 * the code is sent once the phone has it, again every POLL_MS while the journey refuses it as not yet awaited (no
 * query on the worker while it works its way there), and the end is read without the worker (LIVE here).
 */
export async function happyJourney(
  client: Client,
  admin: SandboxAdmin,
  at: JourneyAt,
  i: number,
  live = new GoalWatch(client, at.taskQueue, liveJourney),
): Promise<string> {
  const workflowId = await startBenchJourney(client, at, i);
  const code = await codeOnPhone(admin, benchNumber(i));
  await submitOnceAwaited(() =>
    client.workflow.getHandle(workflowId).executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'bench' }] }),
  );
  await live.until(workflowId);
  return workflowId;
}

/** The code the number's phone received (the sandbox's outbox), read every POLL_MS until it is there; bounded. */
async function codeOnPhone(admin: SandboxAdmin, e164: string): Promise<string> {
  const sms = await until(
    () =>
      Promise.resolve(
        admin
          .outbox({ e164 })
          .filter((entry) => entry.delivered)
          .at(-1),
      ),
    (entry) => entry !== undefined,
    `a code on ${e164}`,
  );
  return (sms as { code: string }).code;
}

/** A refusal because the workflow is not there yet: the ideal's, or a journey's on its way to the code. */
const NOT_YET = /not awaiting|not waiting for a code \(stage (WAITING_FOR_CAPACITY|ADDING|REQUESTING_CODE)\)/;

/**
 * Sends an update until the workflow takes it: while it does not wait for it yet, its validator refuses it ("not
 * waiting"), and it is sent again after POLL_MS — as an operator who types the code before the screen asks for it.
 */
export async function submitOnceAwaited<T>(send: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await send();
    } catch (err) {
      const early = err instanceof WorkflowUpdateFailedError && NOT_YET.test(String(err.cause));
      if (!early || Date.now() > deadline) throw err;
    }
    await pause(POLL_MS);
  }
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
