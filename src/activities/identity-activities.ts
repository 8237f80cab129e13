// The identity-change check's activities: the guarded send, the number's setting, and the customer's trust in the
// identity store, which the `customerIdentity` workflow moves (untrusted → confirmed → trusted again).
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { IDENTITY_REFUSED_TYPE } from '../domain/identity.js';
import type { NumberRef } from '../domain/number.js';
import type { GraphClient } from '../graph/client.js';
import { guardedSend, IdentityRefusedError, type SendRequest, type SendResult } from '../identity/guarded-send.js';
import { identityReporters } from '../identity/report-mismatch.js';
import type { CustomerKey, IdentityStore } from '../stores/identity-store.js';
import { graphCall, toActivityFailure } from './failures.js';

export interface IdentityActivityDeps {
  graph: GraphClient;
  identities: IdentityStore;
  temporal: Client;
  taskQueue: string;
}

export function createIdentityActivities({ graph, identities, temporal, taskQueue }: IdentityActivityDeps) {
  const reporters = identityReporters(temporal, taskQueue);
  return {
    async sendText(request: SendRequest): Promise<SendResult> {
      try {
        return await graphCall(() => guardedSend({ graph, identities, ...reporters }, request));
      } catch (err) {
        if (err instanceof IdentityRefusedError) {
          throw ApplicationFailure.create({
            type: IDENTITY_REFUSED_TYPE,
            message: err.message,
            nonRetryable: true,
            details: [err.code],
          });
        }
        throw toActivityFailure(err);
      }
    },

    async setIdentityCheck(ref: NumberRef, enabled: boolean): Promise<void> {
      await graphCall(() => graph.setIdentityCheck(ref, enabled));
    },

    async markUntrusted(key: CustomerKey, detail: string): Promise<void> {
      const trust = await identities.trust(key);
      // A repeated mismatch while the operator's confirmation is under way does not undo it.
      if (trust) return;
      await identities.setTrust(key, { state: 'untrusted', detail, messageId: null });
    },

    async allowUnhashedSend(key: CustomerKey, detail: string): Promise<void> {
      await identities.setTrust(key, { state: 'confirmed', detail, messageId: null });
    },

    /** A confirmation no send made use of: untrusted again, unless its recovery completed meanwhile. */
    async lapseConfirmation(key: CustomerKey, detail: string): Promise<void> {
      const lapsed = { state: 'untrusted', detail, messageId: null } as const;
      await identities.updateTrust(key, lapsed, { states: ['confirmed', 'verifying'] });
    },

    async restoreTrust(key: CustomerKey): Promise<void> {
      await identities.setTrust(key, null);
    },
  };
}
