// Waits at most `ms` for a client call (a workflow's or an update's result): on time-out the call's RPCs are
// aborted, not left polling behind the caller's back.
import type { Client } from '@temporalio/client';

export const TIMED_OUT = Symbol('timed out');

export async function boundedWait<T>(
  client: Client,
  ms: number,
  call: () => Promise<T>,
): Promise<T | typeof TIMED_OUT> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await client.withAbortSignal(controller.signal, call);
  } catch (err) {
    if (controller.signal.aborted) return TIMED_OUT;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
