// Worker processes on a bench's task queue, calling its sandbox, for tests that kill them (SIGKILL) and start more;
// whichever are still alive when the file ends are killed, by their own pids.
import { afterAll } from 'vitest';
import type { Bench } from './bench.js';
import { APP_SECRET } from './harness.js';
import { startWorkerChild, type Spawned } from './processes.js';

export function useWorkerChildren(t: Bench): { start(): Promise<Spawned> } {
  const workers: Spawned[] = [];
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exit(5_000)));
  });
  return {
    async start() {
      const { bench } = t;
      const worker = await startWorkerChild({
        taskQueue: bench.taskQueue,
        graphBaseUrl: bench.sandbox.url,
        token: bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] }),
        appSecret: APP_SECRET,
      });
      workers.push(worker);
      return worker;
    },
  };
}
