// The ordering keys a delivery gets from its changes (src/http/webhook-keys.ts): a number's change is keyed by its
// WABA and number, the portfolio's cap by the WABA's cap, anything else about the whole WABA by the WABA, and a WABA's
// key conflicts with each of its numbers'.
import { describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/graph/webhooks.js';
import { conflictingKeys, OrderKeySet, orderKeys } from '../../src/http/webhook-keys.js';

const keysOf = (id: string, ...changes: { field: string; value: unknown }[]) =>
  orderKeys(webhookEvents({ entry: [{ id, changes }] }, Date.now()));

describe('the ordering keys of a delivery', () => {
  it('keys a number’s changes by WABA and digits: name, quality, and a messages batch', () => {
    const quality = { display_phone_number: '+1 555-000-0001', event: 'FLAGGED' };
    expect(keysOf('7', { field: 'phone_number_quality_update', value: quality })).toEqual(['7/15550000001']);
    const name = { display_phone_number: '15550000002', decision: 'APPROVED', requested_verified_name: 'Acme' };
    expect(keysOf('7', { field: 'phone_number_name_update', value: name })).toEqual(['7/15550000002']);
    const metadata = { display_phone_number: '15550000003', phone_number_id: '300' };
    expect(keysOf('7', { field: 'messages', value: { messaging_product: 'whatsapp', metadata } })).toEqual([
      '7/15550000003',
    ]);
  });

  it('keys what concerns the whole WABA by the WABA, and a number that cannot be one too', () => {
    expect(keysOf('7', { field: 'account_update', value: { event: 'PARTNER_REMOVED', phone_number: '1555' } })).toEqual(
      ['7'],
    );
    expect(keysOf('7', { field: 'account_review_update', value: { decision: 'APPROVED' } })).toEqual(['7']);
    expect(keysOf('7', { field: 'security', value: {} })).toEqual(['7']); // a field numberflow does not read
    const tooLong = { display_phone_number: '1234567890123456', event: 'FLAGGED' };
    expect(keysOf('7', { field: 'phone_number_quality_update', value: tooLong })).toEqual(['7']);
  });

  it('keys a capability update by its WABA’s cap, which conflicts with the later caps only', () => {
    const cap = { field: 'business_capability_update', value: { max_phone_numbers_per_business: 25 } };
    expect(keysOf('7', cap)).toEqual(['cap:7']);
    const blocked = new OrderKeySet();
    blocked.add('cap:7');
    expect(blocked.conflicts(['cap:7'])).toBe(true);
    expect(blocked.conflicts(['7', '7/1', 'cap:8'])).toBe(false);
    const behindTheWaba = new OrderKeySet();
    behindTheWaba.add('7');
    behindTheWaba.add('7/1');
    expect(behindTheWaba.conflicts(['cap:7'])).toBe(false);
  });

  it('gives one key per target, and none for an id Graph never gives (the router refuses it)', () => {
    const quality = { display_phone_number: '15550000001', event: 'FLAGGED' };
    const change = { field: 'phone_number_quality_update', value: quality };
    expect(keysOf('7', change, change, { field: 'account_update', value: { event: 'X' } })).toEqual([
      '7/15550000001',
      '7',
    ]);
    expect(keysOf('not-a-waba', change)).toEqual([]);
  });

  it('finds a conflict between a WABA and its numbers, not across WABAs or numbers', () => {
    const blocked = new OrderKeySet();
    blocked.add('7/1');
    expect(blocked.conflicts(['7/1'])).toBe(true);
    expect(blocked.conflicts(['7'])).toBe(true);
    expect(blocked.conflicts(['7/2', '8/1', '8'])).toBe(false);
    blocked.add('8');
    expect(blocked.conflicts(['8/5'])).toBe(true);
    expect(blocked.conflicts(['9', '9/1'])).toBe(false);
  });

  it('names what a key conflicts with: itself, its WABA for a number, its numbers for a WABA', () => {
    const numbersOf = (waba: string) => (waba === '7' ? ['7/1', '7/2'] : []);
    expect([...conflictingKeys('7/1', numbersOf)]).toEqual(['7/1', '7']);
    expect([...conflictingKeys('7', numbersOf)]).toEqual(['7', '7/1', '7/2']);
    expect([...conflictingKeys('8', numbersOf)]).toEqual(['8']);
  });
});
