// The guarded send's writes of where a re-verified customer stands hold only while the recovery does: a status that
// completes the recovery before the send's answer comes back is not undone by it, and a send that failed leaves the
// customer confirmed (no send to wait for). A real identity store (SQLite); Meta stands in as a function.
import { describe, expect, it } from 'vitest';
import type { GraphClient } from '../../src/graph/client.js';
import { guardedSend, type SendRequest } from '../../src/identity/guarded-send.js';
import { SqlIdentityStore } from '../../src/stores/sql-identity-store.js';
import { openSqlite } from '../../src/stores/sqlite.js';
import { tempDir } from '../support/processes.js';

const key = { phoneNumberId: '5005', waId: '15550007777' };
const request: SendRequest = {
  e164: '+14155552671',
  ref: { wabaId: '6006', phoneNumberId: key.phoneNumberId },
  identityCheck: true,
  to: key.waId,
  text: 'Your order has shipped',
};

async function confirmedCustomer() {
  const identities = await SqlIdentityStore.open(openSqlite(`${tempDir('guarded-send')}/numberflow.sqlite`));
  await identities.setTrust(key, { state: 'confirmed', detail: 'confirmed by ops@acme (phone_call)', messageId: null });
  return identities;
}

const sendingWith = (sendText: GraphClient['sendText']) => ({ sendText }) as unknown as GraphClient;
const reporters = { reportMismatch: () => Promise.resolve(), reportUnhashedSend: () => Promise.resolve() };

describe('the guarded send of a re-verified customer', () => {
  it('names the send it waits for, set to verifying before the send', async () => {
    const identities = await confirmedCustomer();
    const graph = sendingWith(async () => {
      expect(await identities.trust(key)).toMatchObject({ state: 'verifying', messageId: null });
      return { messageId: 'wamid.unhashed' };
    });
    expect(await guardedSend({ graph, identities, ...reporters }, request)).toMatchObject({ reverifying: true });
    expect(await identities.trust(key)).toMatchObject({ state: 'verifying', messageId: 'wamid.unhashed' });
  });

  it('names only the latest send without the hash when several go before a status comes back', async () => {
    const identities = await confirmedCustomer();
    let sends = 0;
    const graph = sendingWith(async () => ({ messageId: `wamid.unhashed${++sends}` }));
    for (let i = 0; i < 3; i++) await guardedSend({ graph, identities, ...reporters }, request);
    // Each added its clause to the last: a webhook outage of hours grew the detail by one a send.
    expect(await identities.trust(key)).toMatchObject({
      state: 'verifying',
      detail: 'confirmed by ops@acme (phone_call); sent without the hash, waiting for the status of wamid.unhashed3',
      messageId: 'wamid.unhashed3',
    });
  });

  it('does not bring back a customer whose recovery completed before the send answered', async () => {
    const identities = await confirmedCustomer();
    const graph = sendingWith(async () => {
      await identities.setTrust(key, null); // the status came first and the recovery trusted the customer again
      return { messageId: 'wamid.unhashed' };
    });
    await guardedSend({ graph, identities, ...reporters }, request);
    expect(await identities.trust(key)).toBeUndefined();
  });

  it('decides again when the customer was untrusted or trusted again between the read and the send', async () => {
    const identities = await confirmedCustomer();
    const sent: (string | undefined)[] = [];
    const graph = sendingWith(async (_ref, message) => {
      sent.push(message.recipientIdentityKeyHash);
      return { messageId: 'wamid.sent' };
    });
    // A new 137000 lands between the send's read of the row and its write: the customer is untrusted again.
    const racing = {
      ...identities,
      trust: async (key: { phoneNumberId: string; waId: string }) => {
        const read = await identities.trust(key);
        await identities.setTrust(key, { state: 'untrusted', detail: '137000 again', messageId: null });
        racing.trust = (k) => identities.trust(k);
        return read;
      },
      updateTrust: identities.updateTrust.bind(identities),
      current: identities.current.bind(identities),
    } as typeof identities;
    await expect(guardedSend({ graph, identities: racing, ...reporters }, request)).rejects.toThrow(
      /is untrusted since/,
    );
    expect(sent).toEqual([]); // nothing went without the hash
  });

  it('refuses an untrusted customer with the check off too, before Meta is called; a confirmed one goes as is', async () => {
    const identities = await confirmedCustomer();
    const sent: (string | undefined)[] = [];
    const graph = sendingWith(async (_ref, message) => {
      sent.push(message.recipientIdentityKeyHash);
      return { messageId: 'wamid.sent' };
    });
    const checkOff = { ...request, identityCheck: false };
    // Confirmed, the check off: Meta reports no hash to bring back, so the send goes as is and the row stays.
    expect(await guardedSend({ graph, identities, ...reporters }, checkOff)).toEqual({
      messageId: 'wamid.sent',
      withHash: null,
      reverifying: false,
    });
    expect(await identities.trust(key)).toMatchObject({ state: 'confirmed' });
    await identities.setTrust(key, { state: 'untrusted', detail: 'Meta answered 137000', messageId: null });
    await expect(guardedSend({ graph, identities, ...reporters }, checkOff)).rejects.toMatchObject({
      code: 'CUSTOMER_UNTRUSTED',
      message: expect.stringMatching(/^customer 15550007777 of \+14155552671 is untrusted since /),
    });
    expect(sent).toEqual([undefined]); // the untrusted customer's message never reached Meta
  });

  it('leaves the customer confirmed when the send failed', async () => {
    const identities = await confirmedCustomer();
    const graph = sendingWith(() => Promise.reject(new Error('Meta is not answering')));
    await expect(guardedSend({ graph, identities, ...reporters }, request)).rejects.toThrow('Meta is not answering');
    expect(await identities.trust(key)).toMatchObject({ state: 'confirmed', messageId: null });
  });
});
