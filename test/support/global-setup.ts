// Starts the real Temporal dev server once per test run (each time-skipping test file starts its own server), bundles the workflows once, and hands their
// addresses to the test files. Nothing here mocks Temporal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { customSearchAttributes } from '../../src/domain/search-attributes.js';
import { resolveBinary, toSdkExecutable } from '../../src/temporal/binaries.js';
import { workflowInterceptorModules, workflowsPath } from '../../src/worker.js';
import { NUMBER_BLOCKS_ENV } from './journeys.js';
import { CONTINUE_AS_NEW_SUGGESTED_AT } from './server-settings.js';

declare module 'vitest' {
  export interface ProvidedContext {
    devServerAddress: string;
    workflowBundlePath: string;
  }
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`[global-setup] ${label} in ${Math.round(performance.now() - started)} ms`);
  return result;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cli = resolveBinary('cli');
  const testServer = resolveBinary('test-server');
  console.log(`[global-setup] ${cli.description}`);
  console.log(`[global-setup] ${testServer.description}`);

  const dir = mkdtempSync(join(tmpdir(), 'numberflow-test-'));
  // Test numbers are reserved in blocks here, so no two files start journeys on one number (support/journeys.ts).
  process.env[NUMBER_BLOCKS_ENV] = join(dir, 'number-blocks');
  mkdirSync(process.env[NUMBER_BLOCKS_ENV]);
  const [dev, bundle] = await Promise.all([
    timed('dev server started', () =>
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: toSdkExecutable(cli),
          ip: '127.0.0.1',
          searchAttributes: customSearchAttributes,
          // Suggest continue-as-new early, so tests reach it with hundreds of events instead of thousands.
          extraArgs: [
            '--log-level',
            'error',
            '--dynamic-config-value',
            `limit.historyCount.suggestContinueAsNew=${CONTINUE_AS_NEW_SUGGESTED_AT}`,
            // One namespace for every file running at once: its visibility rate (the /metrics tests count afresh at
            // each scrape) is a fleet's, not one service's, so that no file is throttled by another's counts.
            '--dynamic-config-value',
            'frontend.namespaceRPS.visibility=2000',
          ],
        },
      }),
    ),
    timed('workflows bundled', () =>
      bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: quietLogger }),
    ),
  ]);
  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);

  project.provide('devServerAddress', dev.address);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await dev.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
