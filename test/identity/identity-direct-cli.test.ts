// The identity commands in direct mode, as an operator's machine runs them: through Temporal, the WABA's token and
// the identity store from this machine's configuration (here the bench's data folder and the sandbox).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { customerIdentityWorkflowId, type IdentityOutcome } from '../../src/domain/identity.js';
import { buildCli } from '../../src/starter.js';
import { useBench } from '../support/bench.js';
import { APP_SECRET } from '../support/harness.js';
import { TEST_CODEC_KEYS, TEST_SECRETS_PUBLIC_KEY } from '../support/temporal.js';
import { liveCustomer, untilUntrusted } from '../support/identity.js';

const STORE_KEY = `store-1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('the identity commands in direct mode (dev server + Graph sandbox)', () => {
  const t = useBench('dev');
  beforeAll(() => {
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_TASK_QUEUE: t.bench.taskQueue,
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
      NUMBERFLOW_SECRETS_PUBLIC_KEY: TEST_SECRETS_PUBLIC_KEY,
      NUMBERFLOW_DATA_DIR: t.bench.dataDir,
      NUMBERFLOW_STORE_KEY: STORE_KEY,
      GRAPH_BASE_URL: t.bench.sandbox.url,
      META_ACCESS_TOKEN: t.bench.graphToken,
      META_APP_SECRET: APP_SECRET,
      META_WEBHOOK_VERIFY_TOKEN: 'test-verify-token',
    });
  });

  async function cli(...args: string[]): Promise<string[]> {
    const lines: string[] = [];
    await buildCli((line) => lines.push(line), { throwOnExit: true }).parseAsync(args, { from: 'user' });
    return lines;
  }

  it('sends with the hash, is refused for an untrusted customer, confirms, and brings the new hash back', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId, waId } = await liveCustomer(t.bench);
      const { admin } = t.bench.sandbox;
      admin.setCustomerIdentity(phoneNumberId, waId, 'DirectHash1=');
      admin.deliverInbound(phoneNumberId, waId, 'hello');
      await admin.flushWebhooks();

      expect(await cli('send', e164, '--to', waId, '--text', 'hi')).toEqual([
        expect.stringMatching(/^sent wamid\.\S+ with the identity hash Dire…$/),
      ]);
      const { identityKeyHash } = admin.recycleCustomer(phoneNumberId, waId);
      await cli('send', e164, '--to', waId, '--text', 'hi again');
      await admin.flushWebhooks();
      await untilUntrusted(t.bench, { phoneNumberId, waId });
      await expect(cli('send', e164, '--to', waId, '--text', 'refused')).rejects.toThrow(
        `numberflow identity confirm ${e164} ${waId}`,
      );
      expect(await cli('identity', 'list', e164)).toEqual([expect.stringMatching(new RegExp(`^${waId}  untrusted  `))]);
      expect(await cli('identity', 'list', e164, '--offset', '5')).toEqual(['none past --offset 5: 1 in all']);
      expect(await cli('identity', 'confirm', e164, waId, '--method', 'email', '--by', 'ops@acme')).toEqual([
        'confirmed: the next send to the customer goes without the identity hash',
      ]);
      expect(await cli('send', e164, '--to', waId, '--text', 'welcome back', '--by', 'ops@acme')).toEqual([
        expect.stringMatching(/^sent wamid\.\S+ without an identity hash \(its status brings/),
      ]);
      await admin.flushWebhooks();
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      const outcome = (await handle.result()) as IdentityOutcome;
      expect(outcome.stage).toBe('TRUSTED');
      expect(outcome.notes).toContainEqual(
        expect.objectContaining({ actor: 'ops@acme', text: "confirmed the customer's identity by email" }),
      );
      // The send without the hash is noted with who sent it (--by in direct mode).
      expect(outcome.notes.filter((n) => n.text.includes('without the identity hash')).map((n) => n.actor)).toContain(
        'ops@acme',
      );
      expect(await t.bench.identities.current({ phoneNumberId, waId })).toMatchObject({ hash: identityKeyHash });
      expect(await cli('identity', 'list', e164)).toEqual([`every customer of ${e164} is trusted`]);
    });
  });
});
