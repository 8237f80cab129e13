// The two-step PIN: the one numberflow chooses when the operator does not — random, from the worker's CSPRNG
// (workflow randomness is seeded and replayable, so not a secret) — and the one an earlier journey of the same
// number set, read back from its result. Both are answered as `{pin}`, which the codec seals in history.
import { randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { journeyWorkflowId, numberPinQuery } from '../domain/journey.js';
import { listedRuns } from '../temporal/listed-runs.js';

/** How many of a number's latest closed journeys are looked at for a PIN. */
const RUNS_LOOKED_AT = 5;

/**
 * How long the closed runs without a result are asked (each query replays its run on a worker, all at once): well
 * within the activity's 30 s.
 */
const RUN_QUERIES_MS = 20_000;

const earlierResultSchema = z.object({ pin: z.string().regex(/^\d{6}$/) });

/** A PIN of numberflow's choosing: 6 digits from the CSPRNG. */
export function drawPin(): { pin: string } {
  return { pin: String(randomInt(0, 1_000_000)).padStart(6, '0') };
}

export function createPinActivities({ temporal }: { temporal: Client }) {
  return {
    /** Answered as `{pin}`, so the codec seals it (runs recorded before replay the bare string they got). */
    async generatePin(): Promise<{ pin: string }> {
      return drawPin();
    },

    /**
     * The PIN numberflow set in the latest earlier journey of the number that kept one, newest first: a completed
     * run's result, or what a run cancelled, terminated or timed out answers (it ends with no result; its query
     * replays it). This worker holds the secrets key, so the PIN reads unsealed.
     */
    async rememberedPin({ e164 }: { e164: string }): Promise<{ pin: string | null }> {
      if (!/^\+\d{6,15}$/.test(e164)) throw new Error(`not an E.164 number: ${e164}`); // it goes into a query
      const workflowId = journeyWorkflowId(e164);
      const runs: { runId: string; closedAt: number; completed: boolean }[] = [];
      const query =
        `WorkflowId = '${workflowId}' AND WorkflowType = 'numberJourney' AND ` +
        `ExecutionStatus IN ('Completed', 'Canceled', 'Terminated', 'TimedOut')`;
      for await (const run of listedRuns(temporal, query)) {
        const completed = run.status === 'COMPLETED';
        runs.push({ runId: run.runId, closedAt: run.closeTime?.getTime() ?? 0, completed });
      }
      runs.sort((a, b) => b.closedAt - a.closedAt);
      // Asked together, under one deadline: a run no worker replays now (its queue gone, say) tells nothing, and
      // holds up none of the others.
      const queriesEnd = Date.now() + RUN_QUERIES_MS;
      const answers = await Promise.all(
        runs
          .slice(0, RUNS_LOOKED_AT)
          .map(({ runId, completed }) =>
            completed
              ? temporal.workflow.result(workflowId, runId, { followRuns: false })
              : temporal
                  .withDeadline(queriesEnd, () => temporal.workflow.getHandle(workflowId, runId).query(numberPinQuery))
                  .catch(() => null),
          ),
      );
      for (const earlier of answers) {
        const result = earlierResultSchema.safeParse(earlier);
        if (result.success) return { pin: result.data.pin };
      }
      return { pin: null };
    },
  };
}
