// The identity commands as an operator's machine runs them in API mode (NUMBERFLOW_URL, NUMBERFLOW_TOKEN): the
// post-launch test message, a send refused for an untrusted customer, the list, the confirmation, the check turned off.
import { describe, expect, it } from 'vitest';
import { useApi } from '../api/support.js';
import { useBench } from '../support/bench.js';
import { spawnCli } from '../support/processes.js';
import { liveCustomer, untilUntrusted } from '../support/identity.js';

const LONG = 240_000; // several CLI processes, each a Node start, on a shared 2-core box

describe('the identity commands through the HTTP API', () => {
  const t = useBench('dev');
  const api = useApi(t);

  async function cli(args: string[]) {
    const env = { PATH: process.env.PATH ?? '', NUMBERFLOW_URL: api.url, NUMBERFLOW_TOKEN: api.tokens.operator };
    const spawned = spawnCli(env, args);
    const code = await spawned.exit(90_000);
    return { code, stdout: spawned.stdout(), stderr: spawned.stderr() };
  }
  const json = <T>(answer: { code: number | null; stdout: string; stderr: string }): T => {
    expect(answer, answer.stderr).toMatchObject({ code: 0 });
    return JSON.parse(answer.stdout) as T;
  };

  it(
    'test message, a refused send, the untrusted list, the confirmation and the check turned off',
    async () => {
      await t.bench.run(async () => {
        const { e164, phoneNumberId, waId } = await liveCustomer(t.bench);
        const { admin } = t.bench.sandbox;

        const tested = json<{ outcome: string; message: string }>(
          await cli(['test-message', e164, '--to', waId, '--json']),
        );
        expect(tested.outcome).toBe('accepted');
        await admin.flushWebhooks(); // its status brings the customer's hash

        admin.recycleCustomer(phoneNumberId, waId);
        const sent = await cli(['send', e164, '--to', waId, '--text', 'Your order has shipped']);
        expect(sent, sent.stderr).toMatchObject({ code: 0 });
        expect(sent.stdout).toMatch(/^sent wamid\.\S+ with the identity hash \S{4}…\n$/);
        await admin.flushWebhooks(); // its status fails with 137000
        await untilUntrusted(t.bench, { phoneNumberId, waId });

        const refused = await cli(['send', e164, '--to', waId, '--text', 'again']);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toContain(`numberflow identity confirm ${e164} ${waId}`);

        const listed = json<{ waId: string; state: string }[]>(await cli(['identity', 'list', e164, '--json']));
        expect(listed).toEqual([expect.objectContaining({ waId, state: 'untrusted' })]);

        // Customers who never answer stay untrusted for good: the list comes a page at a time, the latest first.
        const others = ['15550009001', '15550009002', '15550009003'];
        for (const other of others) {
          await t.bench.identities.setTrust(
            { phoneNumberId, waId: other },
            { state: 'untrusted', detail: '137000', messageId: null },
          );
        }
        const page = await cli(['identity', 'list', e164, '--page-size', '2']);
        expect(page, page.stderr).toMatchObject({ code: 0 });
        const lines = page.stdout.trim().split('\n');
        expect(lines).toHaveLength(3);
        expect(lines[2]).toBe('and 2 more: --page-size 2 --offset 2'); // the next page as this one was asked
        const rest = await api.call<{ customers: { waId: string }[]; total: number }>(
          'GET',
          `/v1/numbers/${encodeURIComponent(e164)}/identities?pageSize=2&offset=2`,
          { as: 'auditor' },
        );
        expect(rest.body.total).toBe(4);
        const shown = [
          ...lines.slice(0, 2).map((line) => line.split(' ')[0]),
          ...rest.body.customers.map((c) => c.waId),
        ];
        expect(shown.sort()).toEqual([...others, waId].sort());
        const badPage = await cli(['identity', 'list', e164, '--page-size', '0']);
        expect(badPage.code).not.toBe(0);
        expect(badPage.stderr).toContain('a whole number from 1 to 500');
        for (const other of others) await t.bench.identities.setTrust({ phoneNumberId, waId: other }, null);

        const badMethod = await cli(['identity', 'confirm', e164, waId, '--method', 'pigeon']);
        expect(badMethod.code).not.toBe(0);
        expect(badMethod.stderr).toMatch(/phone_call/);
        // Said when the customer was untrusted: a moment before it is an earlier change's, refused (409).
        const { since } = (await t.bench.identities.trust({ phoneNumberId, waId })) as { since: string };
        const earlier = new Date(Date.parse(since) - 60_000).toISOString();
        const stale = await cli(['identity', 'confirm', e164, waId, '--method', 'phone_call', '--since', earlier]);
        expect(stale.code).toBe(1);
        expect(stale.stderr).toContain(`customer ${waId} of ${e164} changed identity again at ${since}`);
        const badSince = await cli(['identity', 'confirm', e164, waId, '--method', 'phone_call', '--since', 'today']);
        expect(badSince.stderr).toContain('must be a time as `identity list` shows it');
        const confirmed = await cli(['identity', 'confirm', e164, waId, '--method', 'phone_call', '--since', since]);
        expect(confirmed, confirmed.stderr).toMatchObject({ code: 0 });
        expect(confirmed.stdout).toMatch(/without the identity hash/);

        const off = json<{ outcome: string }>(await cli(['identity-check', e164, 'off', '--json']));
        expect(off.outcome).toBe('accepted');
        expect((await api.until(e164, (v) => v.identityCheck === 'off', 'check off')).notes).toContainEqual(
          expect.objectContaining({ actor: 'operator@test', what: 'turned off the identity-change check' }),
        );
      });
    },
    LONG,
  );
});
