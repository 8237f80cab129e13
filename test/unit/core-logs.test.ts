// The Temporal core's own log lines (a poll retried while Temporal is away, a failed workflow task) go through
// numberflow's logger as JSON, like every other line: left to the console they were coloured text among the JSON.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { root } from '../support/processes.js';

/** What a process that installed numberflow's Temporal logging set the runtime to do with the core's lines. */
const probe = `
import { Runtime } from '@temporalio/worker';
import { createLogger } from './src/logger.js';
import { installTemporalLogging } from './src/temporal/runtime-logging.js';
installTemporalLogging(createLogger('info'));
const { logExporter } = Runtime.instance().options.runtimeOptions;
console.log(JSON.stringify({ type: logExporter.type, filter: logExporter.filter }));
process.exit(0);
`;

describe("the Temporal core's log lines", () => {
  it("are forwarded to numberflow's logger (warnings and errors), not printed to the console", () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => line.startsWith('{"type"'));
    const exporter = JSON.parse(lines[0] ?? '{}') as { type?: string; filter?: string };
    expect(exporter.type).toBe('forward');
    expect(exporter.filter).toMatch(/\btemporalio_sdk_core=WARN\b/);
    expect(exporter.filter).toMatch(/\btemporalio_client=WARN\b/); // the poll retried while Temporal is away
  });
});
