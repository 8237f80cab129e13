// Which number sends, from its journey's view: LIVE, and a live number whose rename verifies it again (Meta still
// shows it connected); not one being removed, ended, or not live yet.
import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { confirmCustomer } from '../../src/identity/confirm.js';
import { NumberNotLiveError, sendRequestOf } from '../../src/identity/live-number.js';
import type { IdentityStore } from '../../src/stores/identity-store.js';
import { journeyView } from '../support/journey-view.js';

const message = { to: '15551234567', text: 'Your order has shipped' };

describe("a number's sends, from its journey's view", () => {
  it('sends when LIVE, and while a live rename verifies it again', () => {
    for (const view of [
      journeyView({ stage: 'LIVE', phoneNumberId: '5005' }),
      journeyView({ stage: 'AWAITING_OTP', wentLive: true, phoneNumberId: '5005' }),
      journeyView({ stage: 'REGISTERING', wentLive: true, phoneNumberId: '5005' }),
    ]) {
      expect(sendRequestOf(view, message)).toMatchObject({ ref: { phoneNumberId: '5005' }, to: message.to });
    }
  });

  it('refuses one not live yet, being removed, or a view from a worker before wentLive in a stage before LIVE', () => {
    for (const view of [
      journeyView({ stage: 'AWAITING_OTP', phoneNumberId: '5005' }),
      journeyView({ stage: 'REMOVING', wentLive: true, phoneNumberId: '5005' }),
    ]) {
      expect(() => sendRequestOf(view, message)).toThrow(NumberNotLiveError);
    }
    expect(() => sendRequestOf(journeyView({ stage: 'AWAITING_OTP', phoneNumberId: '5005' }), message)).toThrow(
      /is not live \(stage AWAITING_OTP\): it cannot send messages$/,
    );
  });
});

describe("a customer's confirmation, from the journey's view", () => {
  it('is refused for a number removed or being removed, before Temporal or the store is asked', async () => {
    // Neither is reached: the view alone refuses.
    const deps = { client: {} as Client, taskQueue: 'numberflow', identities: {} as IdentityStore };
    const confirmation = { actor: 'ops@acme', method: 'phone_call' as const };
    const removed = journeyView({
      stage: 'REMOVED',
      wentLive: true,
      phoneNumberId: '5005',
      result: {
        outcome: 'REMOVED',
        reasonCode: 'REMOVED',
        reason: 'removed',
        remediation: '',
        actor: 'admin@acme',
        metaError: null,
      },
    });
    await expect(confirmCustomer(deps, removed, '15551234567', confirmation)).rejects.toThrow(
      '+14155552671 is no longer live (REMOVED): it sends no messages, so confirming customer 15551234567 changes nothing',
    );
    const removing = journeyView({ stage: 'REMOVING', wentLive: true, phoneNumberId: '5005' });
    await expect(confirmCustomer(deps, removing, '15551234567', confirmation)).rejects.toThrow(NumberNotLiveError);
  });
});
