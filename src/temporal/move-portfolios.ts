// Portfolios started before they had a task queue of their own run on the journeys' queue for good (a
// continue-as-new keeps its queue). A worker asks each to move at its start; the portfolio continues as new on its
// own queue at its next safe point, its whole state carried (src/workflows/portfolio.ts).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { portfolioTaskQueue, type Config } from '../config.js';
import { moveToTaskQueueSignal } from '../domain/portfolio.js';
import type { Logger } from '../logger.js';
import { describeIfAny } from './describe.js';
import { listedRuns, queueLiteral } from './listed-runs.js';

export interface PortfolioMove {
  /** The journeys' queue, where the portfolios of before run. */
  from: string;
  /** The portfolios' own queue. */
  to: string;
}

export interface PortfolioMoveReport {
  /** Running portfolios on `from` that were asked to move. */
  asked: number;
  /** Those that could not be asked (each logged): the next start asks them again. */
  failed: number;
}

/** Asks every running portfolio on `from` to move to `to`; none when both are one queue. */
export async function movePortfolios(
  client: Client,
  move: PortfolioMove,
  logger: Logger,
): Promise<PortfolioMoveReport> {
  const report: PortfolioMoveReport = { asked: 0, failed: 0 };
  if (move.from === move.to) return report;
  const query = `WorkflowType = 'portfolio' AND TaskQueue = ${queueLiteral(move.from)} AND ExecutionStatus = 'Running'`;
  for await (const run of listedRuns(client, query)) {
    try {
      if (await askToMove(client, run, move)) report.asked += 1;
    } catch (err) {
      report.failed += 1;
      logger.warn({ err, workflowId: run.workflowId }, 'could not ask a portfolio to move to its own task queue');
    }
  }
  return report;
}

/**
 * Asks the listed run to move — that run, not the id's latest: a run that has moved since (visibility lags behind)
 * is not asked again. One that ended meanwhile may have continued as new on its own, still on `from`: then its
 * latest run is asked. False when nothing was asked (it ended for good, or moved).
 */
export async function askToMove(
  client: Client,
  run: { workflowId: string; runId: string },
  move: PortfolioMove,
): Promise<boolean> {
  const signal = (runId?: string) =>
    client.workflow.getHandle(run.workflowId, runId).signal(moveToTaskQueueSignal, { taskQueue: move.to });
  try {
    await signal(run.runId);
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const latest = await describeIfAny(client, run.workflowId);
  if (latest?.status !== 'RUNNING' || latest.taskQueue !== move.from) return false;
  await signal(latest.runId);
  return true;
}

/** At a worker's start: the move logged, a failure too; it never stops the worker (the next start tries again). */
export async function movePortfoliosAtStart(
  client: Client,
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_PORTFOLIO_TASK_QUEUE'>,
  logger: Logger,
): Promise<void> {
  const move = { from: config.TEMPORAL_TASK_QUEUE, to: portfolioTaskQueue(config) };
  if (move.from === move.to) return;
  try {
    const report = await movePortfolios(client, move, logger);
    logger.info({ ...move, ...report }, "portfolios on the journeys' task queue asked to move to their own");
  } catch (err) {
    logger.warn(
      { err, ...move },
      "could not move the portfolios on the journeys' task queue; the next start tries again",
    );
  }
}
