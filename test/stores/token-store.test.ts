import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyList } from '../../src/codec/keys.js';
import { openPostgres } from '../../src/stores/postgres.js';
import { StoreUnavailableError, storeNotAnswering } from '../../src/stores/unavailable.js';
import { checkStoreKey } from '../../src/stores/open.js';
import { Sealer, StoreKeyError } from '../../src/stores/sealed.js';
import { SqlTokenStore } from '../../src/stores/sql-token-store.js';
import type { SqlDatabase } from '../../src/stores/sql.js';
import { openSqlite } from '../../src/stores/sqlite.js';
import { freshPostgresDatabase, type TestDatabase } from '../support/postgres.js';
import { tempDir } from '../support/processes.js';

const key = (id: string, byte: number) => `${id}:${Buffer.alloc(32, byte).toString('base64')}`;
const sealer = (spec: string) => new Sealer(parseKeyList(spec, 'NUMBERFLOW_STORE_KEY'), 'NUMBERFLOW_STORE_KEY');
const TOKEN_A = 'EAAS-token-of-waba-one-0123456789abcdefghijklmnopqrstuvwxyz';
const TOKEN_B = 'EAAS-token-of-waba-two-zyxwvutsrqponmlkjihgfedcba9876543210';
const TOKEN_A2 = 'EAAS-a-new-token-of-waba-one-after-a-second-signup-0000000';

interface Backend {
  /** Opens the database again (a restart). */
  open(): Promise<SqlDatabase>;
  /** Every byte the backend keeps, as text (the SQLite files, or PostgreSQL's table read raw). */
  rawText(db: SqlDatabase): Promise<string>;
}

function contract(name: string, backend: () => Backend) {
  describe(`the token store on ${name}`, () => {
    const keys = key('store-1', 1);

    it('puts, gets, replaces, lists and deletes tokens per WABA, and keeps them across a restart', async () => {
      let db = await backend().open();
      let store = await SqlTokenStore.open(db, sealer(keys));
      expect(await store.get('101')).toBeUndefined();
      await store.put('101', TOKEN_A, { source: 'signup', by: 'onboarding-service' });
      await store.put('202', TOKEN_B, { source: 'manual', by: 'ops@acme' });
      expect(await store.get('101')).toBe(TOKEN_A);
      await store.put('101', TOKEN_A2, { source: 'manual', by: 'ops@acme' });
      await db.close();

      db = await backend().open(); // a restart: the same file or database, the same key
      store = await SqlTokenStore.open(db, sealer(keys));
      expect(await store.get('101')).toBe(TOKEN_A2);
      expect(await store.get('202')).toBe(TOKEN_B);
      const listed = await store.list();
      expect(listed).toEqual([
        { wabaId: '101', source: 'manual', by: 'ops@acme', keyId: 'store-1', storedAt: expect.any(String) },
        { wabaId: '202', source: 'manual', by: 'ops@acme', keyId: 'store-1', storedAt: expect.any(String) },
      ]);
      expect(JSON.stringify(listed)).not.toContain('EAAS');
      expect(await store.delete('202')).toBe(true);
      expect(await store.delete('202')).toBe(false);
      expect(await store.get('202')).toBeUndefined();
      await db.close();
    });

    it('never keeps a token in clear', async () => {
      const db = await backend().open();
      const store = await SqlTokenStore.open(db, sealer(keys));
      await store.put('303', TOKEN_B, { source: 'signup', by: 'onboarding-service' });
      const raw = await backend().rawText(db);
      expect(raw).toContain('303'); // the WABA is there…
      expect(raw).not.toContain('EAAS'); // …its token is not
      expect(raw).not.toContain(TOKEN_B.slice(10, 30));
      await db.close();
    });

    it('refuses to open a token with another key, naming the key id', async () => {
      const db = await backend().open();
      await (await SqlTokenStore.open(db, sealer(keys))).put('404', TOKEN_A, { source: 'signup', by: 'svc' });
      const otherBytes = await SqlTokenStore.open(db, sealer(key('store-1', 2)));
      await expect(otherBytes.get('404')).rejects.toThrow(
        /the token of WABA 404 does not open with store key "store-1" of NUMBERFLOW_STORE_KEY/,
      );
      const otherId = await SqlTokenStore.open(db, sealer(key('store-2', 1)));
      const err = await otherId.get('404').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreKeyError);
      expect((err as StoreKeyError).message).toMatch(
        /sealed with store key "store-1", which NUMBERFLOW_STORE_KEY does not hold/,
      );
      // A rotated key list (new key first, the old one kept) opens old tokens and seals new ones with the new key.
      const rotated = await SqlTokenStore.open(db, sealer(`${key('store-2', 3)},${keys}`));
      expect(await rotated.get('404')).toBe(TOKEN_A);
      await rotated.put('404', TOKEN_A, { source: 'manual', by: 'ops' });
      expect((await rotated.list()).find((t) => t.wabaId === '404')?.keyId).toBe('store-2');
      await db.close();
    });

    it('binds each sealed token to its WABA: a row copied onto another WABA does not open', async () => {
      const db = await backend().open();
      const store = await SqlTokenStore.open(db, sealer(keys));
      await store.put('505', TOKEN_A, { source: 'signup', by: 'svc' });
      await db.run(
        `INSERT INTO waba_tokens (waba_id, key_id, sealed, source, stored_by, stored_at)
         SELECT '606', key_id, sealed, source, stored_by, stored_at FROM waba_tokens WHERE waba_id = '505'`,
      );
      await expect(store.get('606')).rejects.toThrow(/the token of WABA 606 does not open/);
      await db.close();
    });

    it("stops a process whose store key cannot open the stored tokens at its start, and says a forgotten id's", async () => {
      const db = await backend().open();
      await db.run('DELETE FROM waba_tokens', []);
      const check = async (spec: string, options?: { oneMustOpen: boolean; latestMustOpen?: boolean }) => {
        const warned: string[] = [];
        const store = await SqlTokenStore.open(db, sealer(spec));
        await checkStoreKey(store, (message) => warned.push(message), options);
        return warned;
      };
      expect(await check(keys)).toEqual([]); // an empty store: nothing to open
      await (await SqlTokenStore.open(db, sealer(keys))).put('707', TOKEN_A, { source: 'signup', by: 'svc' });
      await (await SqlTokenStore.open(db, sealer(keys))).put('708', TOKEN_B, { source: 'signup', by: 'svc' });
      expect(await check(keys)).toEqual([]);
      // A row copied by hand onto another WABA (it opens with no key) first among them: said, the others open.
      await db.run(
        `INSERT INTO waba_tokens (waba_id, key_id, sealed, source, stored_by, stored_at)
         SELECT '700', key_id, sealed, source, stored_by, stored_at FROM waba_tokens WHERE waba_id = '707'`,
      );
      expect(await check(keys)).toEqual([
        '1 stored token of store key "store-1" cannot be opened (the first: the token of WABA 700 does not open with store key "store-1" of NUMBERFLOW_STORE_KEY: it was sealed with another key under the same id (use the key the store was written with), or for another record (a row copied from another WABA\'s opens under that one only))',
      ]);
      await db.run("DELETE FROM waba_tokens WHERE waba_id = '700'", []);
      // Another key under the store's id (a worker given the wrong one): refused, naming the variable and the id.
      await expect(check(key('store-1', 9))).rejects.toThrow(
        'the store key cannot open the stored tokens: the token of WABA 707 does not open with store key "store-1" of NUMBERFLOW_STORE_KEY',
      );
      // None of the store's ids held: refused too, but for the command line's token set (storing again what the
      // lost key sealed).
      await expect(check(key('store-2', 2))).rejects.toThrow(
        /^the store key cannot open the stored tokens: the token of WABA 707 is sealed with store key "store-1", which NUMBERFLOW_STORE_KEY does not hold/,
      );
      expect(await check(key('store-2', 2), { oneMustOpen: false })).toHaveLength(1);
      await expect(check(key('store-1', 9), { oneMustOpen: false })).rejects.toThrow(/another key under the same id/);
      // A token of an id dropped after a rotation, beside those the new key opens: said, not refused.
      await (
        await SqlTokenStore.open(db, sealer(key('store-2', 2)))
      ).put('709', TOKEN_A2, { source: 'manual', by: 'ops' });
      expect(await check(key('store-2', 2))).toEqual([
        expect.stringMatching(
          /^2 stored tokens of store key "store-1" cannot be opened \(the first: the token of WABA 707 is sealed with store key "store-1"/,
        ),
      ]);
      // A command line still on the retired key (the data folder's key file) while the fleet seals with the new one:
      // the latest token is under an id it lacks, so it refuses to store one; the fleet's key list passes.
      const behind = { oneMustOpen: false, latestMustOpen: true };
      const retired =
        /^this command's store key "store-1" \(the first of its NUMBERFLOW_STORE_KEY\) last sealed a token at \S+, and the fleet has sealed with store key "store-2" since \(last at \S+\): it would seal with a retired key/;
      await expect(check(keys, behind)).rejects.toThrow(retired);
      // A key the store has not seen first (the fleet's new key, the latest one's being lost): the lost key's remedy.
      expect(await check(`${key('store-3', 3)},${keys}`, behind)).toHaveLength(1);
      expect(await check(`${key('store-2', 2)},${keys}`, behind)).toEqual([]);
      // A token forgotten under a dropped id is no sign of that: the latest opens, and storing it again is the remedy.
      expect(await check(key('store-2', 2), behind)).toHaveLength(1);
      // The rotation done: every token sealed again under the new key, none names the old one; a command still on it
      // is refused all the same (the store keeps the ids that sealed), and a rotation under way passes.
      const fleet = await SqlTokenStore.open(db, sealer(`${key('store-2', 2)},${keys}`));
      await fleet.put('707', TOKEN_A, { source: 'manual', by: 'ops' });
      await fleet.put('708', TOKEN_B, { source: 'manual', by: 'ops' });
      expect((await fleet.keyCheck()).map((c) => c.keyId)).toEqual(['store-2']);
      await expect(check(keys, behind)).rejects.toThrow(retired);
      // The keys in the wrong order (the retired one first) would seal with it too.
      await expect(check(`${keys},${key('store-2', 2)}`, behind)).rejects.toThrow(retired);
      expect((await fleet.sealingKeys()).map((k) => k.keyId)).toEqual(['store-2', 'store-1']);
      // The key ids are a component of their own: the token table stays at the version earlier releases start on.
      const versions = await db.all<{ component: string; version: number }>(
        "SELECT component, version FROM numberflow_schema WHERE component IN ('waba_tokens', 'store_keys') ORDER BY component",
      );
      expect(versions.map((v) => [v.component, Number(v.version)])).toEqual([
        ['store_keys', 2],
        ['waba_tokens', 1],
      ]);
      // A stray key's token stored, then deleted (README's remedy for rows under a wrong key): no token names it, and
      // the fleet's own keys are not held back by it.
      await new Promise((resolve) => setTimeout(resolve, 5)); // sealed later than the fleet, in last_sealed_at's ms
      await (
        await SqlTokenStore.open(db, sealer(key('store-9', 9)))
      ).put('799', TOKEN_B, { source: 'manual', by: 'x' });
      await db.run("DELETE FROM waba_tokens WHERE key_id = 'store-9'", []);
      expect((await fleet.sealingKeys()).map((k) => k.keyId)).toEqual(['store-9', 'store-2', 'store-1']);
      expect(await check(key('store-2', 2), behind)).toEqual([]);
      expect(await check(`${key('store-2', 2)},${keys}`, behind)).toEqual([]);
      // Read a page at a time: the same with pages of one.
      const paged = await SqlTokenStore.open(db, sealer(key('store-2', 2)));
      expect(await paged.keyCheck({ pageSize: 1 })).toEqual(await paged.keyCheck());
      await db.run('DELETE FROM waba_tokens', []);
      await db.close();
    });
  });
}

const sqliteDir = tempDir('token-store');
contract('SQLite (a file)', () => ({
  open: () => Promise.resolve(openSqlite(join(sqliteDir, 'numberflow.sqlite'))),
  rawText: () =>
    Promise.resolve(
      readdirSync(sqliteDir)
        .map((file) => readFileSync(join(sqliteDir, file)).toString('latin1'))
        .join('\n'),
    ),
}));

let postgres: TestDatabase;
beforeAll(async () => {
  postgres = await freshPostgresDatabase();
});
afterAll(async () => {
  await postgres?.drop();
});
contract('PostgreSQL (the test cluster)', () => ({
  open: () => openPostgres(postgres.url),
  rawText: async (db) => JSON.stringify(await db.all('SELECT * FROM waba_tokens')),
}));

describe('the PostgreSQL connection', () => {
  it('says which server it cannot reach, without the password', async () => {
    const url = new URL(postgres.url);
    url.password = 'hunter2-secret';
    url.port = '1';
    await expect(openPostgres(url.toString())).rejects.toThrow(
      /cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\//,
    );
    await expect(openPostgres(url.toString())).rejects.not.toThrow(/hunter2/);
    // Away now, it may answer later: the command line exits 75 on it.
    expect(await openPostgres(url.toString()).catch((err: unknown) => (err as { tryAgain?: boolean }).tryAgain)).toBe(
      true,
    );
  });

  it('gives up on a server that takes the connection but never answers (a partition, a frozen primary) in seconds', async () => {
    const silent = createServer(() => undefined); // takes connections, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = new URL(postgres.url);
    url.port = String((silent.address() as AddressInfo).port);
    const started = Date.now();
    try {
      const err = (await openPostgres(url.toString()).catch((e: unknown) => e)) as Error & { tryAgain?: boolean };
      expect(err.message).toMatch(
        /^cannot reach PostgreSQL at .*: (timeout expired|Connection terminated due to connection timeout)/,
      );
      expect(err.tryAgain).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      silent.close();
    }
  }, 30_000);

  it('says a query the server never answered (its connection cut: a restart, a failover) as the store away', async () => {
    const db = await openPostgres(postgres.url);
    const other = await openPostgres(postgres.url);
    try {
      const sleeping = db.all('SELECT pg_sleep(30)').catch((err: unknown) => err);
      // The server ends the connection under the running query, as a shutdown does (SQLSTATE 57P01).
      for (let cut = 0; cut === 0; await new Promise((resolve) => setTimeout(resolve, 50))) {
        const [row] = await other.all<{ cut: number }>(
          "SELECT count(pg_terminate_backend(pid))::int AS cut FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND pid <> pg_backend_pid()",
        );
        cut = row?.cut ?? 0;
      }
      const err = await sleeping;
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(storeNotAnswering(new Error('routing failed', { cause: err }))).toBe(true);
      expect((err as Error).message).toMatch(
        /^the store's database at postgres:\/\/\S+ does not answer now \(terminating connection due to administrator command\): try again shortly$/,
      );
      // A statement's own failure is not the store away.
      expect(await db.all('SELECT * FROM no_such_table').catch((e: unknown) => e)).not.toBeInstanceOf(
        StoreUnavailableError,
      );
    } finally {
      await db.close();
      await other.close();
    }
  });
});
