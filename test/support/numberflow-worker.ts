// The worker `npm run worker` runs (src/worker.ts createNumberflowWorker), on a harness's server and task queue, with
// a configuration of the test's: for what the tests' plain workers (./temporal.ts) leave out.
import type { Worker } from '@temporalio/worker';
import type { Config } from '../../src/config.js';
import type { Tracing } from '../../src/telemetry/tracing.js';
import { createNumberflowWorker } from '../../src/worker.js';
import type { Harness } from './harness.js';
import { testDataConverter } from './temporal.js';

export function numberflowWorker(bench: Harness, config: Config, tracing?: Tracing): Promise<Worker> {
  return createNumberflowWorker({
    connection: bench.env.nativeConnection,
    config: { ...config, TEMPORAL_NAMESPACE: bench.env.client.options.namespace },
    activities: bench.activities,
    dataConverter: testDataConverter,
    taskQueue: bench.taskQueue,
    tracing,
  });
}
