// Adding, listing, paging and reading phone numbers (docs/meta-graph-api.md#adding-a-number, #listing-numbers, #reading-a-number).
import { expect } from 'vitest';
import { PHONE_NUMBER_FIELDS, type GraphClient, type PhoneNumberFields } from '../../src/graph/index.js';
import { describeContract } from './contract.js';
import type { TestAccount } from './sandbox-controls.js';
import { readNumber, sandboxOf, type ContractTarget } from './targets.js';

const GRAPH_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/;
/** Graph's default page size, which allPhoneNumbers relies on (it sends no limit). */
const DEFAULT_PAGE_SIZE = 25;

/** The ids on every page, walked by hand with `limit` and `after`, and the size of each page. */
async function walkPages(client: GraphClient, wabaId: string, limit: number) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.listPhoneNumbers(wabaId, { fields: ['id'], limit, after });
    ids.push(...page.data.map((number) => number.id));
    sizes.push(page.data.length);
    if (!page.paging?.hasNext) return { ids, sizes };
    after = page.paging.after;
  }
}

/** One WABA with more numbers than a default page, shared by the paging tests of a target. */
const crowded = new WeakMap<ContractTarget, Promise<TestAccount & { ids: string[] }>>();
function crowdedWaba(target: ContractTarget): Promise<TestAccount & { ids: string[] }> {
  const existing = crowded.get(target);
  if (existing) return existing;
  const made = (async () => {
    const controls = sandboxOf(target);
    const account = controls.account({ maxPhoneNumbers: DEFAULT_PAGE_SIZE + 5 });
    const ids: string[] = [];
    for (let i = 0; i <= DEFAULT_PAGE_SIZE; i++) ids.push((await controls.addNumber({ account })).phoneNumberId);
    return { ...account, ids };
  })();
  crowded.set(target, made);
  return made;
}

describeContract('phone numbers', (test) => {
  test(
    'adds a number that starts PENDING and NOT_VERIFIED under the submitted display name',
    ['own-numbers'],
    async (t) => {
      const { id } = await t.client.addPhoneNumber(t.wabaId, {
        cc: '1',
        phoneNumber: '415 555 8801',
        verifiedName: 'Acme Billing',
      });
      expect(id).toMatch(/^\d+$/);
      const number = await t.client.getPhoneNumber({ wabaId: t.wabaId, phoneNumberId: id }, [
        'status',
        'code_verification_status',
        'verified_name',
        'display_phone_number',
      ]);
      expect(number).toEqual({
        id,
        status: 'PENDING',
        code_verification_status: 'NOT_VERIFIED',
        verified_name: 'Acme Billing',
        display_phone_number: '+1 415-555-8801',
      });
    },
  );

  test('adds a number given with its country calling code', ['own-numbers'], async (t) => {
    const { id } = await t.client.addPhoneNumber(t.wabaId, {
      cc: '1',
      phoneNumber: '+1 415 555 8802',
      verifiedName: 'Acme Billing',
    });
    const number = await t.client.getPhoneNumber({ wabaId: t.wabaId, phoneNumberId: id }, ['display_phone_number']);
    expect(number.display_phone_number).toBe('+1 415-555-8802');
  });

  test("lists the WABA's numbers with Graph's default fields", [], async (t) => {
    const page = await t.client.listPhoneNumbers(t.wabaId);
    expect(page.data.length).toBeGreaterThan(0);
    for (const number of page.data) {
      expect(number).toMatchObject({
        id: expect.stringMatching(/^\d+$/),
        display_phone_number: expect.any(String),
        verified_name: expect.any(String),
        quality_rating: expect.any(String),
      });
    }
  });

  test('walks the pages one number at a time to the same numbers allPhoneNumbers yields', [], async (t) => {
    const { ids, sizes } = await walkPages(t.client, t.wabaId, 1);
    expect(ids).toContain(readNumber(t).phoneNumberId);
    expect(sizes.every((size) => size === 1)).toBe(true);
    const all: PhoneNumberFields[] = [];
    for await (const number of t.client.allPhoneNumbers(t.wabaId, ['id'])) all.push(number);
    expect(all.map((number) => number.id).sort()).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('pages with limit and the after cursor until paging has no next', ['own-numbers'], async (t) => {
    const waba = await crowdedWaba(t);
    const { ids, sizes } = await walkPages(waba.client, waba.wabaId, 10);
    expect(sizes).toEqual([10, 10, 6]);
    expect([...ids].sort()).toEqual([...waba.ids].sort());
  });

  test("reads every number through allPhoneNumbers, past Graph's default page of 25", ['own-numbers'], async (t) => {
    const waba = await crowdedWaba(t);
    sandboxOf(t).admin.clearCalls();
    const seen: string[] = [];
    for await (const number of waba.client.allPhoneNumbers(waba.wabaId, ['id', 'last_onboarded_time'])) {
      expect(number.last_onboarded_time).toMatch(GRAPH_TIME);
      seen.push(number.id);
    }
    expect([...seen].sort()).toEqual([...waba.ids].sort());
    const listCalls = sandboxOf(t)
      .admin.calls()
      .filter((call) => call.endpoint === 'GET /{waba-id}/phone_numbers');
    expect(listCalls).toHaveLength(2);
  });

  test("reads a number's default fields, and only id with the one field asked for", [], async (t) => {
    const ref = readNumber(t);
    const defaults = await t.client.getPhoneNumber(ref, []);
    expect(defaults).toMatchObject({
      id: ref.phoneNumberId,
      display_phone_number: expect.any(String),
      verified_name: expect.any(String),
      quality_rating: expect.any(String),
    });
    const status = await t.client.getPhoneNumber(ref, ['status']);
    expect(Object.keys(status).sort()).toEqual(['id', 'status']);
    expect(status.id).toBe(ref.phoneNumberId);
  });

  test('reads the registration fields of a registered number', [], async (t) => {
    const ref = readNumber(t);
    const number = await t.client.getPhoneNumber(ref, [
      'status',
      'name_status',
      'platform_type',
      'throughput',
      'is_pin_enabled',
      'last_onboarded_time',
    ]);
    expect(number).toMatchObject({
      id: ref.phoneNumberId,
      status: 'CONNECTED',
      name_status: expect.any(String),
      platform_type: 'CLOUD_API',
      throughput: { level: expect.any(String) },
      is_pin_enabled: true,
      last_onboarded_time: expect.stringMatching(GRAPH_TIME),
    });
  });

  test("reads a number's health status, entity by entity", [], async (t) => {
    const ref = readNumber(t);
    const { health_status: health } = await t.client.getPhoneNumber(ref, ['health_status']);
    expect(health?.can_send_message).toMatch(/^(AVAILABLE|LIMITED|BLOCKED)$/);
    expect(health?.entities?.map((entity) => entity.entity_type)).toContain('PHONE_NUMBER');
  });

  test('reads every field docs/meta-graph-api.md#reading-a-number lists in one call', [], async (t) => {
    const number = await t.client.getPhoneNumber(readNumber(t), PHONE_NUMBER_FIELDS);
    expect(number.id).toBe(readNumber(t).phoneNumberId);
    expect(number.search_visibility).toEqual(expect.any(String));
  });
});
