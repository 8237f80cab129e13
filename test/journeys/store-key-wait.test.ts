// A stored token the workers cannot open — its store key dropped from NUMBERFLOW_STORE_KEY in a rotation — puts the
// journey in an admin's hands with the key as the cause, and the journey tries again by itself: putting the key
// back tells no journey (QA: Embedded Signup at scale, F5).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeyList } from '../../src/codec/keys.js';
import { journeyPolicy } from '../../src/domain/policy.js';
import { Sealer } from '../../src/stores/sealed.js';
import { SqlTokenStore } from '../../src/stores/sql-token-store.js';
import { openSqlite } from '../../src/stores/sqlite.js';
import type { TokenStore } from '../../src/stores/token-store.js';
import { useBench } from '../support/bench.js';
import { patchesIn } from '../support/history.js';
import { tempDir } from '../support/processes.js';

const MINUTE = 60_000;
const key = (id: string, byte: number) => `${id}:${Buffer.alloc(32, byte).toString('base64')}`;
const OLD = key('store-old', 1);
const NEW = key('store-new', 2);

/** The token store as a worker holding `keys` sees it, over one SQLite file. */
const db = openSqlite(join(tempDir('store-key-wait'), 'numberflow.sqlite'));
const storeWith = (keys: string) =>
  SqlTokenStore.open(db, new Sealer(parseKeyList(keys, 'NUMBERFLOW_STORE_KEY'), 'NUMBERFLOW_STORE_KEY'));

/** The workers' store: the old key alone at first (the bench stores the WABA's token under it), then as set. */
let current: Promise<SqlTokenStore> = storeWith(OLD);
const workersStore: TokenStore = {
  get: async (wabaId) => (await current).get(wabaId),
  put: async (wabaId, token, origin) => (await current).put(wabaId, token, origin),
  delete: async (wabaId) => (await current).delete(wabaId),
  list: async () => (await current).list(),
};

describe("a journey whose WABA's token is sealed with a store key the workers lost (time-skipping server + Graph sandbox)", () => {
  const t = useBench('time-skipping', () => ({ tokenStore: workersStore }));

  it('says the key is the cause, tries again by itself, and goes on once the key is back', async () => {
    const { bench } = t;
    const [waiting, stillWaiting, resumed, history] = await bench.run(async () => {
      current = storeWith(NEW); // a rotation that forgot the old key
      const journey = await bench.start(bench.input());
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const first = await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the key');
      // Two tries in 15 minutes (5, then 10), each meeting the same missing key: the wait stands, said once.
      await t.env.sleep(16 * MINUTE);
      const second = await journey.until((v) => v.waiting?.for === 'admin', 'still waiting for the key');
      current = storeWith(`${NEW},${OLD}`); // the key put back, as the start's warning says; no journey is told
      await t.env.sleep(journeyPolicy.storeKeyRecheckMs);
      const after = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP once the key is back');
      const events = await handle.fetchHistory();
      await handle.terminate('test done');
      return [first, second, after, events];
    });
    expect(waiting.waiting?.reason).toMatch(
      /^the stored Meta token for WABA \d+ cannot be opened with the workers' store keys: put its key back in NUMBERFLOW_STORE_KEY on the workers \(the journey tries again by itself: hourly, every 6 hours after a day\), or store a new token — finish Embedded Signup again, or have someone with the token store run `numberflow token set --waba \d+` in direct mode$/,
    );
    expect(stillWaiting.waiting).toEqual(waiting.waiting);
    const keyNotes = stillWaiting.notes.filter((n) => n.what.startsWith('the stored Meta token'));
    expect(keyNotes.map((n) => n.what)).toEqual([
      expect.stringMatching(
        /^the stored Meta token for WABA \d+ cannot be opened \(.*store key "store-old".*\); waiting for its store key or a new token$/,
      ),
    ]);
    expect(resumed.waiting?.for).toBe('operator');
    expect(patchesIn(history)).toContain('store-key-wait-tries-again');
  });
});

describe('a store-key recheck whose call then fails otherwise (time-skipping server + Graph sandbox)', () => {
  const t = useBench('time-skipping', () => ({ tokenStore: workersStore }));

  it('ends the token wait: a token stored later is no answer to it', async () => {
    const { bench } = t;
    const view = await bench.run(async () => {
      // The WABA's token sealed under the old key (the bench stored it under whatever key was first then).
      const token = (await (await storeWith(`${NEW},${OLD}`)).get(bench.wabaId)) as string;
      await (await storeWith(OLD)).put(bench.wabaId, token, { source: 'manual', by: 'the test' });
      current = storeWith(`${NEW},${OLD}`);
      const journey = await bench.start(bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      current = storeWith(NEW); // the key dropped: the operator's resend cannot open the token
      await handle.signal('resendCode', { actor: 'operator@acme' });
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the key');
      // The key back, and Meta refusing the resend itself: the journey goes on waiting for its code.
      current = storeWith(`${NEW},${OLD}`);
      bench.sandbox.admin.injectFault({ endpoint: 'POST /request_code', kind: 'error', code: 100, times: 1 });
      try {
        await t.env.sleep(6 * MINUTE);
        await journey.until((v) => v.waiting?.for === 'operator', 'back to the operator');
      } finally {
        bench.sandbox.admin.clearFaults();
      }
      await handle.signal('tokenRenewed', { wabaId: bench.wabaId, actor: 'admin@acme' });
      const after = await journey.until((v) => v.stage === 'AWAITING_OTP', 'still awaiting the code');
      await handle.terminate('test done');
      return after;
    });
    expect(view.notes.map((n) => n.what)).not.toContain(`stored a new Meta token for WABA ${t.bench.wabaId}`);
  });
});
