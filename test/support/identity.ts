// Steps of the identity-change tests: a live number with the check on and a customer of it, and the wait for a
// customer to be untrusted (the 137000's workflow marks them asynchronously), a send as the API makes it, and a
// customer made untrusted by a recycled number.
import { expect } from 'vitest';
import type { JourneyView } from '../../src/domain/journey.js';
import { guardedSend } from '../../src/identity/guarded-send.js';
import { sendRequestOf } from '../../src/identity/live-number.js';
import { identityReporters } from '../../src/identity/report-mismatch.js';
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

/** A send from the live number through the guarded send, as the API's messages route makes it. */
export function sendFrom(bench: Harness, view: JourneyView, to: string, text = 'Your order has shipped') {
  const reporters = identityReporters(bench.env.client, bench.taskQueue);
  return guardedSend(
    { graph: bench.graph, identities: bench.identities, ...reporters },
    sendRequestOf(view, { to, text }),
  );
}

/** A live number whose customer's number was recycled: a send failed with 137000, so they are untrusted now. */
export async function untrustedCustomer(bench: Harness) {
  const customer = await liveCustomer(bench);
  const { admin } = bench.sandbox;
  const original = `Orig${customer.waId}=`;
  admin.setCustomerIdentity(customer.phoneNumberId, customer.waId, original);
  admin.deliverInbound(customer.phoneNumberId, customer.waId, 'hello');
  await admin.flushWebhooks();
  const { identityKeyHash: recycled } = admin.recycleCustomer(customer.phoneNumberId, customer.waId);
  expect((await sendFrom(bench, customer.view, customer.waId)).withHash).toBe('Orig…');
  await admin.flushWebhooks();
  await untilUntrusted(bench, customer);
  return { ...customer, hashes: [original, recycled] };
}
