// The identity commands in direct mode: the send goes from this machine with the WABA's stored token (the store key
// is needed, as for `token set`), the untrusted customers come from the identity store, and a confirmation is the
// customer's `customerIdentity` update through Temporal.
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import { checkConfirmation } from '../domain/identity.js';
import { confirmCustomer } from '../identity/confirm.js';
import { guardedSend } from '../identity/guarded-send.js';
import { sendRequestOf } from '../identity/live-number.js';
import { identityReporters } from '../identity/report-mismatch.js';
import { describeJourney } from '../journeys/index.js';
import type { JourneyOperations } from './operations.js';

type IdentityOperations = Pick<JourneyOperations, 'send' | 'untrusted' | 'confirmIdentity'>;

// The stores' drivers and Graph load when an identity command runs, not for every direct-mode command.
const stores = () => import('../stores/open.js');
const identityStore = () => import('../stores/sql-identity-store.js');

export function directIdentityOperations(config: Config, sending: () => Promise<Client>): IdentityOperations {
  return {
    async send(e164, message) {
      const client = await sending();
      const request = sendRequestOf(await describeJourney(client, e164), message);
      const [{ openStores }, { graphClientFromConfig }, { PerWabaTokenProvider }] = await Promise.all([
        stores(),
        import('../graph/from-config.js'),
        import('../graph/tokens.js'),
      ]);
      const opened = await openStores(config);
      const graph = graphClientFromConfig(config, new PerWabaTokenProvider(opened.tokens, config.META_ACCESS_TOKEN));
      try {
        const reporters = identityReporters(client, config.TEMPORAL_TASK_QUEUE);
        return await guardedSend({ graph, identities: opened.identities, ...reporters }, request);
      } finally {
        await graph.close();
        await opened.close();
      }
    },

    async untrusted(e164, page) {
      const view = await describeJourney(await sending(), e164);
      if (!view.phoneNumberId) return { customers: [], total: 0 };
      const [{ openDatabase }, { SqlIdentityStore }] = await Promise.all([stores(), identityStore()]);
      const db = await openDatabase(config);
      try {
        const found = await (await SqlIdentityStore.open(db)).untrustedPage(view.phoneNumberId, page);
        return {
          customers: found.customers.map(({ phoneNumberId: _id, ...customer }) => customer),
          total: found.total,
        };
      } finally {
        await db.close();
      }
    },

    async confirmIdentity(e164, waId, confirmation, actor) {
      const checked = checkConfirmation({ actor: actor.by, ...confirmation });
      const client = await sending();
      const view = await describeJourney(client, e164);
      const [{ openDatabase }, { SqlIdentityStore }] = await Promise.all([stores(), identityStore()]);
      const db = await openDatabase(config);
      try {
        const identities = await SqlIdentityStore.open(db);
        return await confirmCustomer(
          { client, taskQueue: config.TEMPORAL_TASK_QUEUE, identities },
          view,
          waId,
          checked,
        );
      } finally {
        await db.close();
      }
    },
  };
}
