// Steps of the identity-change tests: a live number with the check on and a customer of it, and the wait for a
// customer to be untrusted (the 137000's workflow marks them asynchronously).
import { expect } from 'vitest';
import type { CustomerKey } from '../../src/stores/identity-store.js';
import type { Harness } from './harness.js';
import { freshNumber } from './journeys.js';
import { startLive } from './steps.js';

export async function liveCustomer(bench: Harness) {
  const { view } = await startLive(bench, bench.input({ identityCheck: true }));
  expect(view.identityCheck).toBe('on');
  const phoneNumberId = view.phoneNumberId as string;
  return { view, e164: view.e164, phoneNumberId, waId: freshNumber().slice(1) };
}

export async function untilUntrusted(bench: Harness, key: CustomerKey): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await bench.identities.trust(key)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`customer ${key.waId} of ${key.phoneNumberId} was never marked untrusted`);
}
