// One journey bench per test file: the connection to a real Temporal server and a harness on it, set up before
// the file's tests and torn down after them.
import { afterAll, beforeAll } from 'vitest';
import { createHarness, type Harness, type HarnessOptions } from './harness.js';
import { connectDevServer, connectTimeSkippingServer, type TestEnv } from './temporal.js';

export interface Bench {
  env: TestEnv;
  bench: Harness;
}

/** 'dev' for updates, visibility and webhooks routed by search attributes; 'time-skipping' for long timers. */
/** `options` may be a function, for options made by an earlier beforeAll (a token store). */
export function useBench(
  server: 'dev' | 'time-skipping',
  options: HarnessOptions | (() => HarnessOptions) = {},
): Bench {
  const context = {} as Bench;
  beforeAll(async () => {
    context.env = server === 'dev' ? await connectDevServer() : await connectTimeSkippingServer();
    context.bench = await createHarness(context.env, typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await context.bench?.close();
    await context.env?.teardown();
  });
  return context;
}
