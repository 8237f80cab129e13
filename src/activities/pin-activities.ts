// The two-step PIN: the one numberflow chooses when the operator does not — random, from the worker's CSPRNG
// (workflow randomness is seeded and replayable, so not a secret) — and the one an earlier journey of the same
// number set, read back from its result. Both are answered as `{pin}`, which the codec seals in history.
import { randomInt } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { GRAPH_ID } from '../domain/input-shape.js';
import { journeyWorkflowId, numberPinQuery } from '../domain/journey.js';
import { PortfolioId } from '../domain/search-attributes.js';
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
     * The PIN numberflow set in the latest earlier journey of the number in the same portfolio that kept one, newest
     * first: a completed run's result, or what a run cancelled, terminated or timed out answers (it ends with no
     * result; its query replays it). This worker holds the secrets key, so the PIN reads unsealed. Another
     * portfolio's journey is never looked at: its PIN is that business's secret (the number moved, or another
     * customer took it after its deletion), which this journey's people may only type in.
     */
    async rememberedPin(asked: { e164: string; portfolioId?: string }): Promise<{ pin: string | null }> {
      const { e164 } = asked;
      if (!/^\+\d{6,15}$/.test(e164)) throw new Error(`not an E.164 number: ${e164}`); // it goes into a query
      // Asked by a run scheduled before the portfolio was sent: its own, as visibility has it.
      const portfolioId = asked.portfolioId ?? (await callersPortfolio(temporal));
      if (portfolioId === null) return { pin: null };
      if (!GRAPH_ID.test(portfolioId)) throw new Error(`not a portfolio id: ${portfolioId}`); // it goes into a query
      const workflowId = journeyWorkflowId(e164);
      const runs: { runId: string; closedAt: number; completed: boolean }[] = [];
      const query =
        `WorkflowId = '${workflowId}' AND WorkflowType = 'numberJourney' AND PortfolioId = '${portfolioId}' AND ` +
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

/** The portfolio of the run that scheduled this activity (its search attribute); null when it has none. */
async function callersPortfolio(temporal: Client): Promise<string | null> {
  const caller = Context.current().info.workflowExecution;
  if (!caller) return null; // not scheduled by a workflow
  const { workflowId, runId } = caller;
  const described = await temporal.workflow.getHandle(workflowId, runId).describe();
  return described.typedSearchAttributes.get(PortfolioId) ?? null;
}
