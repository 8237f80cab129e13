// `npm start` after README's store key rotation took the old key away: the sandbox's demo token, sealed under it,
// is the sandbox's own and is stored again under the new key (it stopped the start before); another key under the
// token's id stops the start.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../src/stores/open.js';
import { STORE_KEY_FILE } from '../../src/stores/sealed.js';
import { mainEnv, runCli, spawnMain, startMain, stoppedAfterEach } from '../support/processes.js';

const { started, track } = stoppedAfterEach();

/** The id of the store key npm start made in its data folder (`store-` and eight hex digits). */
const madeKeyId = (dataDir: string) => readFileSync(join(dataDir, STORE_KEY_FILE), 'utf8').split(':')[0];

describe('npm start with the store key rotated', () => {
  it("stores the sandbox's demo token again when the key it was sealed with is gone, saying so", async () => {
    const env = track(await mainEnv());
    const first = await startMain(env); // the data folder's store-key
    started.push(first.main.child);
    first.main.child.kill('SIGINT');
    expect(await first.main.exit()).toBe(0);
    const made = madeKeyId(env.dataDir);

    env.env.NUMBERFLOW_STORE_KEY = `store-2:${randomBytes(32).toString('base64')}`; // the folder's key taken away
    const second = await startMain(env);
    started.push(second.main.child);
    const warning = await second.main.waitForLog(/demo token is stored again/);
    expect(warning.msg).toBe(
      `the token of WABA ${first.wabaId} is sealed with store key "${made}", which NUMBERFLOW_STORE_KEY does not ` +
        "hold: add that key to NUMBERFLOW_STORE_KEY (id:base64,…), or store the value again; the sandbox's demo token is stored again",
    );
    const listed = await runCli(env, ['token', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${first.wabaId}\\tmanual\\t.*\\tby sandbox demo\\tkey store-2$`, 'm'));
    second.main.child.kill('SIGINT');
    expect(await second.main.exit()).toBe(0);

    // Another key under the id the token was sealed with: a misconfiguration, never mended — the start stops.
    env.env.NUMBERFLOW_STORE_KEY = `store-2:${randomBytes(32).toString('base64')}`;
    const third = spawnMain(env);
    started.push(third.child);
    expect(await third.exit(60_000)).toBe(1);
    expect(third.stderr()).toContain(
      `the store key cannot open the stored tokens: the token of WABA ${first.wabaId} does not open with store key "store-2" of NUMBERFLOW_STORE_KEY`,
    );
  }, 120_000);

  it("stops when a wrong key opens none of the customers' tokens, the demo's mended or not", async () => {
    const env = track(await mainEnv());
    const first = await startMain(env);
    started.push(first.main.child);
    first.main.child.kill('SIGINT');
    expect(await first.main.exit()).toBe(0);
    // A customer's token, sealed with the data folder's store-key.
    const made = madeKeyId(env.dataDir);
    const stores = await openStores({ NUMBERFLOW_DATA_DIR: env.dataDir });
    await stores.tokens.put('102290129340398', 'EAAS-a-customer-token', { source: 'manual', by: 'admin@acme' });
    await stores.close();

    // A key of another id: the demo's token, stored again under it, would have passed the check.
    env.env.NUMBERFLOW_STORE_KEY = `other-9:${randomBytes(32).toString('base64')}`;
    const wrong = spawnMain(env);
    started.push(wrong.child);
    expect(await wrong.exit(60_000)).toBe(1);
    expect(wrong.stderr()).toContain(
      `the store key cannot open the stored tokens: the token of WABA 102290129340398 is sealed with store key "${made}", which NUMBERFLOW_STORE_KEY does not hold`,
    );
    expect(wrong.stderr()).not.toContain('EAAS-a-customer-token');
  }, 120_000);
});
