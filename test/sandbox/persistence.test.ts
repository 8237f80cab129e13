// A persisted sandbox (stateDir): what a caller saw survives a crash (no close) and is reloaded by the next start,
// and the state file holds no secret in clear. Without stateDir nothing is written.
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { LOGS_KEPT } from '../../src/sandbox/persistence.js';
import { stateFileIn } from '../../src/sandbox/state-file.js';
import { tempDir } from '../support/processes.js';
import { APP_SECRET, closeAll, graphCaller, startTestSandbox, startWebhookReceiver } from './support.js';

afterEach(closeAll);

/** Every file of `dir`, as raw bytes decoded as latin1 (a secret in clear shows up whatever the encoding). */
function filesOf(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('latin1')]));
}

/** A sandbox of this process left as a crash leaves it: its lock is one a process gone left, which the next takes. */
const crashed = (stateDir: string) => rmSync(join(stateDir, 'sandbox.lock'));

describe('the sandbox with a state folder', () => {
  it('reloads numbers, codes, tokens, the clock, the call log, webhooks and faults after a crash', async () => {
    const stateDir = tempDir('sandbox-state');
    const first = await startTestSandbox({ stateDir });
    const id = await first.addNumber('4155552671');
    await first.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
    const code = first.sandbox.admin.latestCode(id) as string;
    first.sandbox.admin.advanceClock(3_600_000);
    first.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 131000 });
    await first.graph('GET', `/${id}`); // an answer: the admin changes before it are on disk now
    const demo = first.sandbox.demoAccount();

    // No close: the second start reads what the first wrote before its last answer (the first's lock, of a process
    // gone after a crash, taken over as the next process would).
    crashed(stateDir);
    const second = await startSandbox({ appSecret: APP_SECRET, stateDir });
    await first.close();
    try {
      expect(second.demoAccount()).toEqual(demo);
      expect(second.demoAccount().token).toBe(first.token);
      expect(second.admin.latestCode(id)).toBe(code);
      expect(second.admin.now() - Date.now()).toBeGreaterThan(3_590_000);
      expect(second.admin.calls().map((c) => c.endpoint)).toContain('POST /{phone-number-id}/request_code');
      expect(second.admin.webhooks().map((w) => w.field)).toContain('business_capability_update');

      const graph = graphCaller(second.url, first.token);
      // The clock moved an hour: the code expired (10 min) — so ask again, in the reloaded sandbox.
      await graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
      const fresh = second.admin.latestCode(id) as string;
      expect(fresh).not.toBe(code); // the code stream goes on, it does not replay
      expect((await graph('POST', `/${id}/verify_code`, { form: { code: fresh } })).status).toBe(200);
      const registered = await graph('POST', `/${id}/register`, {
        json: { messaging_product: 'whatsapp', pin: '246810' },
      });
      expect((registered.body.error as { code: number }).code).toBe(131000); // the fault came along
      expect(
        (await graph('POST', `/${id}/register`, { json: { messaging_product: 'whatsapp', pin: '246810' } })).status,
      ).toBe(200);
    } finally {
      await second.close();
    }

    const files = filesOf(stateDir);
    expect([...files.keys()].sort()).toEqual(['sandbox-state.enc', 'sandbox-state.key']);
    expect(statSync(join(stateDir, 'sandbox-state.key')).mode & 0o777).toBe(0o600);
    const state = files.get('sandbox-state.enc') as string;
    for (const secret of [code, '246810', first.token, APP_SECRET]) expect(state).not.toContain(secret);
    expect(state).not.toContain('4155552671');
  });

  it('holds a reloaded webhook it could not deliver until a callback URL is set, then sends it', async () => {
    const stateDir = tempDir('sandbox-state');
    // No callback URL, as npm start's sandbox before the service listens: the WABA's webhook is not delivered.
    const first = await startTestSandbox({ stateDir });
    await first.graph('GET', `/${first.wabaId}`); // an answer: the state is on disk
    expect(first.sandbox.admin.webhooks()).toMatchObject([{ field: 'business_capability_update', delivered: false }]);
    crashed(stateDir);
    const second = await startSandbox({ appSecret: APP_SECRET, stateDir });
    await first.close();
    const receiver = await startWebhookReceiver();
    try {
      await second.admin.flushWebhooks();
      // Reloaded, it waits for a callback URL instead of being given up for good.
      expect(second.admin.webhooks()).toMatchObject([{ delivered: false, gaveUp: false }]);
      second.admin.setWebhookUrl(receiver.url);
      await second.admin.flushWebhooks();
      expect(second.admin.webhooks()).toMatchObject([{ delivered: true }]);
      expect(receiver.received.map((w) => w.payload.entry[0]?.changes[0]?.field)).toEqual([
        'business_capability_update',
      ]);
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it('dates an older state’s restriction once, on the disk before it serves, so a restart does not date it again', async () => {
    const stateDir = tempDir('sandbox-old-restriction');
    const first = await startTestSandbox({ stateDir });
    first.sandbox.admin.restrictWaba(first.wabaId, 'RESTRICTED_ADD_PHONE_NUMBER_ACTION');
    await first.close();
    // As a sandbox before restrictions had an end wrote it.
    const file = stateFileIn(stateDir);
    const older = JSON.parse(file.read() as string) as { wabas: { restrictedUntil?: unknown }[] };
    for (const waba of older.wabas) delete waba.restrictedUntil;
    file.writeSync(JSON.stringify(older));

    const loaded = await startSandbox({ appSecret: APP_SECRET, stateDir });
    // No answer, no close, no background save yet: what a crash now would leave.
    const onDisk = JSON.parse(file.read() as string) as { wabas: { id: string; restrictedUntil?: unknown }[] };
    const until = loaded.admin.now() + 30 * 86_400_000;
    expect(onDisk.wabas.find((w) => w.id === first.wabaId)?.restrictedUntil).toEqual({
      RESTRICTED_ADD_PHONE_NUMBER_ACTION: expect.toSatisfy((at: number) => Math.abs(at - until) < 60_000),
    });
    await loaded.close();
  });

  it('refuses a state file whose key file is missing, making no new key', async () => {
    const stateDir = tempDir('sandbox-lost-key');
    const first = await startTestSandbox({ stateDir });
    await first.close();
    rmSync(join(stateDir, 'sandbox-state.key'));
    const state = join(stateDir, 'sandbox-state.enc');
    await expect(startSandbox({ appSecret: APP_SECRET, stateDir })).rejects.toThrow(
      `${join(stateDir, 'sandbox-state.key')} is missing, but ${state} holds the sandbox's state written with it: restore the key file from a backup; or, to start the sandbox afresh (a new demo account: journeys begun on the old one cannot go on), remove ${state}`,
    );
    expect(existsSync(join(stateDir, 'sandbox-state.key'))).toBe(false);
    rmSync(state); // afresh, as the error says
    await (await startSandbox({ appSecret: APP_SECRET, stateDir })).close();
  });

  it('without a state folder stays in memory; its demo account is the first token made', async () => {
    const t = await startTestSandbox();
    expect(t.sandbox.demoAccount().wabaId).toBe(t.wabaId);
  });
});

describe('a persisted sandbox over a long trial', () => {
  it('keeps only the latest calls, webhooks and codes, each number its latest code, and new webhook ids', async () => {
    const stateDir = tempDir('sandbox-bounded');
    const first = await startTestSandbox({ stateDir });
    const receiver = await startWebhookReceiver();
    const kept = await first.addNumber('4155552672');
    await first.graph('POST', `/${kept}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
    const keptCode = first.sandbox.admin.latestCode(kept);
    const other = await first.addNumber('4155552673');
    first.sandbox.admin.setWebhookUrl(receiver.url);
    try {
      for (let i = 0; i < LOGS_KEPT + 50; i++) {
        first.sandbox.admin.advanceClock(3_600_000); // past the five codes an hour
        await first.graph('POST', `/${other}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
      }
      for (let i = 0; i < LOGS_KEPT + 50; i++) first.sandbox.admin.recordPaidMessage(other); // a webhook each
      await first.sandbox.admin.flushWebhooks();
      const calls = first.sandbox.admin.calls();
      expect(calls).toHaveLength(LOGS_KEPT);
      expect(calls.at(-1)?.endpoint).toBe('POST /{phone-number-id}/request_code');
      expect(first.sandbox.admin.outbox()).toHaveLength(LOGS_KEPT);
      expect(first.sandbox.admin.latestCode(kept)).toBe(keptCode); // the number's latest, however old
      const webhooks = first.sandbox.admin.webhooks();
      expect(webhooks).toHaveLength(LOGS_KEPT);
      // The WABA's first, given up before a callback URL was set, stays: the next start sends it again.
      expect(webhooks[0]).toMatchObject({ id: '1', gaveUp: true, delivered: false });
      expect(Number(webhooks[1]?.id)).toBeGreaterThan(50);
      expect(new Set(webhooks.map((w) => w.id)).size).toBe(LOGS_KEPT);
    } finally {
      await first.close();
      await receiver.close();
    }
    // Reloaded: the same bounds, the latest code, the ids going on.
    const second = await startSandbox({ appSecret: APP_SECRET, stateDir });
    try {
      expect(second.admin.calls()).toHaveLength(LOGS_KEPT);
      expect(second.admin.outbox()).toHaveLength(LOGS_KEPT);
      expect(second.admin.latestCode(kept)).toBe(keptCode);
      const before = second.admin.webhooks();
      expect(before[0]).toMatchObject({ id: '1', delivered: false, gaveUp: false }); // held for a callback URL
      second.admin.recordPaidMessage(other);
      const newest = second.admin.webhooks().at(-1);
      expect(Number(newest?.id)).toBe(Number(before.at(-1)?.id) + 1);
    } finally {
      await second.close();
    }
  }, 120_000);
});
