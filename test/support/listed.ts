// Visibility lists a run a moment after it starts: tests that read a listing wait for it first.
import type { Client } from '@temporalio/client';

/** Polls `probe` until it answers something (visibility and workflow progress are asynchronous). */
export async function until<T>(probe: () => Promise<T | null>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const found = await probe();
    if (found !== null) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never happened: ${what}`);
}

/** Waits until visibility lists `count` running runs on `taskQueue`. */
export async function listed(env: { client: Client }, taskQueue: string, count = 1): Promise<void> {
  const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  await until(async () => ((await env.client.workflow.count(query)).count === count ? true : null), `${count} listed`);
}
