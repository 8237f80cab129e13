import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/stores/postgres.js';
import { SqlIdentityStore } from '../../src/stores/sql-identity-store.js';
import type { SqlDatabase } from '../../src/stores/sql.js';
import { openSqlite } from '../../src/stores/sqlite.js';
import { freshPostgresDatabase, type TestDatabase } from '../support/postgres.js';
import { tempDir } from '../support/processes.js';

const alice = { phoneNumberId: '1001', waId: '15550001111' };
const bob = { phoneNumberId: '1001', waId: '15550002222' };

function contract(name: string, open: () => Promise<SqlDatabase>) {
  describe(`the identity store on ${name}`, () => {
    it('captures hashes from messages and statuses, and keeps them across a restart', async () => {
      let db = await open();
      let store = await SqlIdentityStore.open(db);
      expect(await store.current(alice)).toBeUndefined();
      expect((await store.record(alice, 'AAAAhash1=', 1_700_000_000, 'inbound')).changed).toBe(true);
      expect((await store.record(bob, 'BBBBhash1=', 1_700_000_005, 'status')).changed).toBe(true);
      await db.close();

      db = await open(); // a restart
      store = await SqlIdentityStore.open(db); // migrating again changes nothing
      expect(await store.current(alice)).toMatchObject({
        hash: 'AAAAhash1=',
        metaTimestamp: 1_700_000_000,
        source: 'inbound',
      });
      expect(await store.current(bob)).toMatchObject({ hash: 'BBBBhash1=', source: 'status' });
      await db.close();
    });

    it('takes a duplicate webhook once and lets the newest Meta timestamp win whatever the order', async () => {
      const db = await open();
      const store = await SqlIdentityStore.open(db);
      const key = { phoneNumberId: '2002', waId: '15550003333' };
      const first = await store.record(key, 'old-hash=', 100, 'inbound');
      expect(first.changed).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 5)); // a later delivery, in recordedAt's milliseconds
      // A duplicate changes nothing, not even when the current hash was recorded or from what.
      expect(await store.record(key, 'old-hash=', 100, 'status')).toEqual({ changed: false, current: first.current });
      expect((await store.record(key, 'new-hash=', 300, 'status')).changed).toBe(true);
      // A late delivery of an older report: kept for audit, not current.
      const late = await store.record(key, 'mid-hash=', 200, 'inbound');
      expect(late).toMatchObject({ changed: false, current: { hash: 'new-hash=', metaTimestamp: 300 } });
      expect((await store.record(key, 'new-hash=', 300, 'status')).changed).toBe(false);
      expect((await store.history(key)).map((h) => [h.hash, h.metaTimestamp])).toEqual([
        ['old-hash=', 100],
        ['mid-hash=', 200],
        ['new-hash=', 300],
      ]);
      // When a hash was first heard of, whatever Meta's order: a report dated earlier but delivered later leaves it.
      const firstOld = (await store.history(key))[0]?.recordedAt;
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.record(key, 'old-hash=', 50, 'inbound');
      expect((await store.history(key))[0]?.recordedAt).not.toBe(firstOld); // the history shows the late one first
      expect(await store.firstRecorded(key, 'old-hash=')).toBe(firstOld);
      expect(await store.firstRecorded(key, 'never-hash=')).toBeUndefined();
      // Within one second (Meta's timestamps are whole seconds) the later delivery wins.
      const tie = { phoneNumberId: '2002', waId: '15550004444' };
      await store.record(tie, 'zz-hash=', 500, 'inbound');
      expect(await store.record(tie, 'aa-hash=', 500, 'status')).toMatchObject({
        changed: true,
        current: { hash: 'aa-hash=' },
      });
      await expect(store.record(tie, ' ', 600, 'inbound')).rejects.toThrow(/empty identity key hash/);
      await expect(store.record(tie, 'x=', 1.5, 'inbound')).rejects.toThrow(/whole unix seconds/);
      await db.close();
    });

    it('keeps untrusted customers until trust is restored', async () => {
      const db = await open();
      const store = await SqlIdentityStore.open(db);
      const key = { phoneNumberId: '3003', waId: '15550005555' };
      expect(await store.trust(key)).toBeUndefined();
      await store.setTrust(key, { state: 'untrusted', detail: '137000 in a status', messageId: null });
      await store.setTrust(key, { state: 'verifying', detail: 'confirmed by ops@acme', messageId: 'wamid.1' });
      expect(await store.trust(key)).toMatchObject({ state: 'verifying', messageId: 'wamid.1' });
      expect((await store.untrusted('3003')).map((c) => c.waId)).toEqual(['15550005555']);
      expect((await store.untrusted()).some((c) => c.phoneNumberId === '3003')).toBe(true);
      await store.setTrust(key, null);
      expect(await store.trust(key)).toBeUndefined();
      expect(await store.untrusted('3003')).toEqual([]);
      await db.close();
    });

    it('changes where a customer stands only from the states named, and never brings a trusted one back', async () => {
      const db = await open();
      const store = await SqlIdentityStore.open(db);
      const key = { phoneNumberId: '3004', waId: '15550005556' };
      const verifying = { state: 'verifying' as const, detail: 'sent without the hash', messageId: 'wamid.2' };
      expect(await store.updateTrust(key, verifying, { states: ['confirmed', 'verifying'] })).toBe(false);
      expect(await store.trust(key)).toBeUndefined(); // trusted: no row made
      await store.setTrust(key, { state: 'untrusted', detail: '137000', messageId: null });
      expect(await store.updateTrust(key, verifying, { states: ['confirmed'] })).toBe(false);
      await store.setTrust(key, { state: 'verifying', detail: 'sending', messageId: null });
      expect(await store.updateTrust(key, verifying, { states: ['verifying'], awaitedUnknown: true })).toBe(true);
      expect(await store.trust(key)).toMatchObject({ state: 'verifying', messageId: 'wamid.2' });
      // Named already: a later send's id does not replace it.
      const later = { ...verifying, messageId: 'wamid.3' };
      expect(await store.updateTrust(key, later, { states: ['verifying'], awaitedUnknown: true })).toBe(false);
      expect(await store.trust(key)).toMatchObject({ messageId: 'wamid.2' });
      await db.close();
    });

    it("pages a number's untrusted customers, the latest change first, with how many there are in all", async () => {
      const db = await open();
      const store = await SqlIdentityStore.open(db);
      const customers = ['15550006001', '15550006002', '15550006003', '15550006004', '15550006005'];
      for (const waId of customers) {
        await store.setTrust(
          { phoneNumberId: '4004', waId },
          { state: 'untrusted', detail: '137000', messageId: null },
        );
        await new Promise((resolve) => setTimeout(resolve, 2)); // distinct `since` times, so the order is known
      }
      await store.setTrust(
        { phoneNumberId: '4005', waId: '15550006009' },
        { state: 'untrusted', detail: '137000', messageId: null },
      );
      const first = await store.untrustedPage('4004', { limit: 2, offset: 0 });
      expect(first.total).toBe(5);
      expect(first.customers.map((c) => c.waId)).toEqual(['15550006005', '15550006004']);
      const last = await store.untrustedPage('4004', { limit: 2, offset: 4 });
      expect(last).toMatchObject({ total: 5, customers: [{ waId: '15550006001', phoneNumberId: '4004' }] });
      expect(await store.untrustedPage('4006', { limit: 2, offset: 0 })).toEqual({ customers: [], total: 0 });
      await expect(store.untrustedPage('4004', { limit: 0, offset: 0 })).rejects.toThrow(/limit is a whole number/);
      await expect(store.untrustedPage('4004', { limit: 2, offset: -1 })).rejects.toThrow(/offset is a whole number/);
      await db.close();
    });
  });
}

const dir = tempDir('identity-store');
contract('SQLite', () => Promise.resolve(openSqlite(`${dir}/numberflow.sqlite`)));

let pg: TestDatabase | undefined;
beforeAll(async () => {
  pg = await freshPostgresDatabase();
});
afterAll(async () => {
  await pg?.drop();
});
contract('PostgreSQL', () => openPostgres((pg as TestDatabase).url));
