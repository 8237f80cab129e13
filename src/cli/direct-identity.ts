// The identity commands in direct mode: the send goes from this machine with the WABA's stored token (the store key
// is needed, as for `token set`), the untrusted customers come from the identity store, and a confirmation is the
// customer's `customerIdentity` update through Temporal.
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import { checkConfirmation } from '../domain/identity.js';
import { customersNumberOf } from '../domain/journey.js';
import { confirmCustomer } from '../identity/confirm.js';
import { guardedSend } from '../identity/guarded-send.js';
import { sendRequestOf } from '../identity/live-number.js';
import { identityReporters } from '../identity/report-mismatch.js';
import { describeJourney } from '../journeys/index.js';
import type { SqlIdentityStore } from '../stores/sql-identity-store.js';
import { requireLocalKeys } from './data-folder.js';
import { withDirectGraph } from './direct-graph.js';
import type { JourneyOperations } from './operations.js';

type IdentityOperations = Pick<JourneyOperations, 'send' | 'untrusted' | 'confirmIdentity'>;

/** The identity store, opened for one command (its driver loads only then) and closed after it. */
async function withIdentities<T>(config: Config, work: (identities: SqlIdentityStore) => Promise<T>): Promise<T> {
  const [{ openDatabase }, { SqlIdentityStore }] = await Promise.all([
    import('../stores/open.js'),
    import('../stores/sql-identity-store.js'),
  ]);
  requireLocalKeys(config, { storesOnly: true });
  const db = await openDatabase(config);
  try {
    return await work(await SqlIdentityStore.open(db));
  } finally {
    await db.close();
  }
}

export function directIdentityOperations(config: Config, sending: () => Promise<Client>): IdentityOperations {
  return {
    async send(e164, message, actor) {
      const client = await sending();
      // Who sent it goes to the customer's recovery (the API's principal there): a send without the hash is noted.
      const request = { ...sendRequestOf(await describeJourney(client, e164), message), actor: actor.by };
      return withDirectGraph(config, ({ stores, graph }) => {
        const reporters = identityReporters(client, config.TEMPORAL_TASK_QUEUE);
        return guardedSend({ graph, identities: stores.identities, ...reporters }, request);
      });
    },

    async untrusted(e164, page) {
      const phoneNumberId = customersNumberOf(await describeJourney(await sending(), e164));
      if (!phoneNumberId) return { customers: [], total: 0 };
      const found = await withIdentities(config, (identities) => identities.untrustedPage(phoneNumberId, page));
      return {
        customers: found.customers.map(({ phoneNumberId: _id, ...customer }) => customer),
        total: found.total,
      };
    },

    async confirmIdentity(e164, waId, { since, ...confirmation }, actor) {
      const checked = checkConfirmation({ actor: actor.by, ...confirmation });
      const client = await sending();
      const view = await describeJourney(client, e164);
      const deps = { client, taskQueue: config.TEMPORAL_TASK_QUEUE };
      return withIdentities(config, (identities) =>
        confirmCustomer({ ...deps, identities }, view, waId, checked, { seenSince: since }),
      );
    },
  };
}
