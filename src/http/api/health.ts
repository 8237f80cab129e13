// /healthz: the process answers. /readyz: Temporal answers and a worker has polled each task queue (the journeys'
// and the portfolios') within the last minute, so a journey started now would move; 503 names what is missing.
// Neither needs a token.
import type { Client } from '@temporalio/client';
import { workflowPollersSince } from '../../temporal/pollers.js';
import { temporalNotAnswering } from '../../temporal/unanswered.js';
import { healthAnswer, readinessAnswer } from './schemas.js';
import type { ZodApp } from './context.js';

/** A worker polls continuously; one not seen for this long is gone. */
const POLLER_SEEN_WITHIN_MS = 60_000;
/** Readiness answers within this even when Temporal does not. */
const CHECK_TIMEOUT_MS = 3_000;

export function healthRoutes(app: ZodApp, client: Client, taskQueues: string[]): void {
  app.get(
    '/healthz',
    {
      config: { requestLogLevel: 'debug' }, // a probe every few seconds: its line says nothing (a refusal still logs)
      schema: { tags: ['health'], summary: 'the process is up', response: { 200: healthAnswer.describe('up') } },
    },
    async () => ({ ok: true }),
  );

  app.get(
    '/readyz',
    {
      config: { requestLogLevel: 'debug' }, // not ready (503) is logged at info
      schema: {
        tags: ['health'],
        summary: 'Temporal is reachable and a worker polls each task queue (the journeys’ and the portfolios’)',
        response: {
          200: readinessAnswer.describe('ready'),
          503: readinessAnswer.describe('not ready: the checks say what is missing'),
        },
      },
    },
    async (_request, reply) => {
      const temporal = await temporalCheck(client);
      const worker =
        temporal === 'ok' ? await workersCheck(client, taskQueues) : 'not checked: Temporal is not reachable';
      const ready = temporal === 'ok' && worker === 'ok';
      return reply.code(ready ? 200 : 503).send({ ready, checks: { temporal, worker } });
    },
  );
}

/** A check's failure in words: gRPC's own for a deadline ("after 0.000s", of the last retry) says no wait. */
function failureWords(err: unknown): string {
  if (temporalNotAnswering(err) === 'timed_out') return `no answer within ${CHECK_TIMEOUT_MS / 1000} s`;
  return err instanceof Error ? err.message : String(err);
}

async function temporalCheck(client: Client): Promise<string> {
  try {
    await client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
      client.workflowService.describeNamespace({ namespace: client.options.namespace }),
    );
    return 'ok';
  } catch (err) {
    return `Temporal does not answer for namespace "${client.options.namespace}": ${failureWords(err)}`;
  }
}

/** 'ok' when every queue has a worker, else what the first queue without one lacks. */
async function workersCheck(client: Client, taskQueues: string[]): Promise<string> {
  const checks = await Promise.all([...new Set(taskQueues)].map((taskQueue) => workerCheck(client, taskQueue)));
  return checks.find((check) => check !== 'ok') ?? 'ok';
}

async function workerCheck(client: Client, taskQueue: string): Promise<string> {
  try {
    const recent = await client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
      workflowPollersSince(client, taskQueue, Date.now() - POLLER_SEEN_WITHIN_MS),
    );
    return recent > 0 ? 'ok' : `no worker has polled task queue "${taskQueue}" in the last minute`;
  } catch (err) {
    return `the task queue "${taskQueue}" cannot be described: ${failureWords(err)}`;
  }
}
