// npm run chaos: the fault storm of test/integration/fault-storm.test.ts, larger (CHAOS_JOURNEYS, default 100), on a
// dev server of its own and a sandbox on loopback; prints figures and exits non-zero if a journey did not go LIVE.
import { pino } from 'pino';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index.js';
import { portfolioWorkflowId } from '../src/domain/portfolio.js';
import { buildHttpApp } from '../src/http/app.js';
import { startJourney } from '../src/journeys/index.js';
import { workflowInterceptorModules, workflowsPath } from '../src/worker.js';
import { callsFor, callsPerEndpoint, reachedLogic, succeeded } from '../test/support/call-counts.js';
import { journeyInput } from '../test/support/journeys.js';
import { startBenchStand } from './stand.js';
import { driveToLive, injectStorm, stormCodes } from '../test/support/storm.js';

const JOURNEYS = Number(process.env.CHAOS_JOURNEYS ?? 100);
const JOURNEY_TIMEOUT_MS = 300_000; // the whole run is bounded by this plus start-up
const taskQueue = 'chaos';

async function main(): Promise<void> {
  if (!Number.isInteger(JOURNEYS) || JOURNEYS < 1 || JOURNEYS > 1_000) throw new Error('CHAOS_JOURNEYS: 1 to 1000');
  const stand = await startBenchStand({ appSecret: 'chaos-secret', seed: 30, nameReviewDelayMs: 1_000 });
  const { env, sandbox, graph, portfolioId, wabaId } = stand;
  const client = env.client;
  // Meta's webhooks (CONNECTED, the name review) reach the journeys through the real receiver, as in the tests.
  const receiver = await buildHttpApp({
    client,
    taskQueue,
    appSecret: 'chaos-secret',
    verifyToken: 'chaos-verify-token',
    logger: pino({ level: 'silent' }),
    graph,
  });
  sandbox.admin.setWebhookUrl(`${await receiver.listen({ host: '127.0.0.1', port: 0 })}/webhooks/meta`);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    interceptors: { workflowModules: workflowInterceptorModules },
    activities: createActivities({ graph, identities: stand.identities, temporal: client, taskQueue }),
  });
  try {
    await worker.runUntil(async () => {
      await client.workflow.start('portfolio', {
        taskQueue,
        workflowId: portfolioWorkflowId(portfolioId),
        args: [{ portfolioId, cap: 1_000_000 }],
      });
      injectStorm(sandbox.admin);
      const started = performance.now();
      const views = await Promise.all(
        Array.from({ length: JOURNEYS }, async () => {
          const { workflowId } = await startJourney(client, taskQueue, journeyInput({ wabaId, portfolioId }));
          return driveToLive(client, sandbox.admin, workflowId, JOURNEY_TIMEOUT_MS);
        }),
      );
      const durationMs = Math.round(performance.now() - started);
      const log = sandbox.admin.calls();
      const registers = views.map((v) => callsFor(log, '/register', v.phoneNumberId as string));
      const live = views.filter((v) => v.stage === 'LIVE').length;
      const figures = {
        journeys: JOURNEYS,
        live,
        durationMs,
        calls: log.length,
        faultsInjected: log.filter((c) => c.errorCode !== undefined && stormCodes.has(c.errorCode)).length,
        callsPerEndpoint: callsPerEndpoint(log),
        // register calls the sandbox's logic answered (not those an injected error answered in its place)
        maxRegisterCallsPerNumber: Math.max(...registers.map((r) => reachedLogic(r, stormCodes).length)),
        numbersRegisteredTwice: registers.filter((r) => succeeded(r).length !== 1).length,
      };
      console.log(JSON.stringify(figures, null, 2));
      if (live !== JOURNEYS || figures.numbersRegisteredTwice > 0) process.exitCode = 1;
    });
  } finally {
    await receiver.close();
    await stand.close();
  }
}

await main();
