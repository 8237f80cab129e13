// The console's read-back of the two-step PIN: an admin's form once numberflow set one, the PIN shown once on the
// answering page and noted in the journey with who and why; no form for an operator, and a refusal (no reason, a
// service without the private secrets key) that keeps what was typed and shows no PIN. Real journeys on the dev
// server, against the Graph sandbox.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import type { IdentityStore } from '../../src/stores/identity-store.js';
import { consoleKey, csrfToken } from '../../src/http/console/csrf.js';
import { useBench } from '../support/bench.js';
import { consoleApp, CONSOLE_SECRET, postForms, signedInClient, tagOf, type ConsoleApp } from '../support/console.js';
import { harnessHttpApp, loggerInto } from '../support/http-app.js';
import type { JourneyHandle } from '../support/harness.js';
import { sealingOnlyClient } from '../support/temporal.js';
import { leaked } from '../support/secrets-scan.js';
import { startLive } from '../support/steps.js';

const ADMIN = 'admin@acme';
const OPERATOR = 'operator@acme';
const REASON = 'deleting the number in WhatsApp Manager';

describe("the console's PIN read-back (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  const log: string[] = [];
  let consoleUnderTest: ConsoleApp;
  let app: FastifyInstance;
  let journey: JourneyHandle;
  let page: string;
  let e164: string;
  let pin: string;

  beforeAll(async () => {
    consoleUnderTest = await consoleApp(
      t.bench,
      [
        { name: ADMIN, roles: ['admin'] },
        { name: OPERATOR, roles: ['operator'] },
      ],
      { logger: loggerInto(log) },
    );
    app = consoleUnderTest.app;
    await t.bench.run(async () => {
      const input = t.bench.input();
      ({ journey } = await startLive(t.bench, input));
      e164 = input.phoneNumber.e164;
      page = `/journeys/${encodeURIComponent(e164)}`;
      pin = t.bench.sandbox.admin.twoStepPin(e164) as string;
    });
  });
  afterAll(async () => {
    await t.env.client.workflow
      .getHandle(journey.workflowId)
      .terminate('test done')
      .catch(() => undefined);
    await app?.close();
  });

  const signedIn = (name: string) => signedInClient(app, consoleUnderTest.tokens[name] as string);

  it('shows an admin the PIN once, noted in the journey with who and why, and never in the log', async () => {
    const admin = await signedIn(ADMIN);
    await t.bench.run(async () => {
      expect((await journey.view()).pinSet).toBe(true);
      const before = await admin.get(page);
      expect(postForms(before.body)).toContain(`${page}/pin-reveal`);
      expect(leaked(before.body, [pin])).toEqual([]);

      const answer = await admin.submit(page, `${page}/pin-reveal`, { reason: REASON });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).toContain(`<code class="pin">${pin}</code>`);
      expect((await journey.view()).notes).toContainEqual(
        expect.objectContaining({ actor: ADMIN, what: `PIN revealed to ${ADMIN}: ${REASON}` }),
      );
      // The page again (a reload puts its own address back): no PIN.
      expect(leaked((await admin.get(page)).body, [pin])).toEqual([]);
      expect(log.some((line) => line.includes('two-step PIN revealed') && line.includes(ADMIN))).toBe(true);
      expect(leaked(log.join('\n'), [pin])).toEqual([]);
    });
  });

  it('refuses a read-back without a reason, the field marked, nothing noted', async () => {
    const admin = await signedIn(ADMIN);
    await t.bench.run(async () => {
      const notes = (await journey.view()).notes.length;
      const answer = await admin.submit(page, `${page}/pin-reveal`, { reason: '  ' });
      expect(answer.statusCode).toBe(400);
      expect(answer.body).toContain('why read the PIN back: is required: say why');
      expect(tagOf(answer.body, 'pin-reveal-reason')).toContain('aria-invalid="true"');
      expect(leaked(answer.body, [pin])).toEqual([]);
      expect((await journey.view()).notes).toHaveLength(notes);
      const empty = await admin.submit(page, `${page}/pin-reveal`, {});
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toContain('why read the PIN back');
    });
  });

  it('offers an operator no read-back, and refuses one posted with a valid CSRF token', async () => {
    const operator = await signedIn(OPERATOR);
    await t.bench.run(async () => {
      expect(postForms((await operator.get(page)).body)).not.toContain(`${page}/pin-reveal`);
      // No page gives an operator this form; the token is made as the console would make it for one.
      const csrf = csrfToken(consoleKey(CONSOLE_SECRET, 'csrf'), operator.session as string, `${e164}/pin-reveal`);
      const notes = (await journey.view()).notes.length;
      const refused = await operator.post(`${page}/pin-reveal`, { csrf, reason: REASON });
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('this needs the admin role; operator@acme has operator');
      expect(leaked(refused.body, [pin])).toEqual([]);
      expect((await journey.view()).notes).toHaveLength(notes);
    });
  });

  it('offers no read-back before numberflow set a PIN, refuses one posted, and refuses a form of another page', async () => {
    const admin = await signedIn(ADMIN);
    await t.bench.run(async () => {
      const early = await t.bench.start(t.bench.input());
      const { e164: number } = await early.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const earlyPage = `/journeys/${encodeURIComponent(number)}`;
      expect((await early.view()).pinSet).toBe(false);
      expect(postForms((await admin.get(earlyPage)).body)).not.toContain(`${earlyPage}/pin-reveal`);
      const csrf = csrfToken(consoleKey(CONSOLE_SECRET, 'csrf'), admin.session as string, `${number}/pin-reveal`);
      const refused = await admin.post(`${earlyPage}/pin-reveal`, { csrf, reason: REASON });
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain(
        'numberflow set no two-step PIN on this number (stage &quot;awaiting the code&quot;)',
      );
      // A token made for another journey's form is no token for this one.
      const forged = await admin.post(`${page}/pin-reveal`, { csrf, reason: REASON });
      expect(forged.statusCode).toBe(403);
      expect(forged.body).toContain('This form did not come from this console page');
      expect(leaked(forged.body, [pin])).toEqual([]);
      await t.env.client.workflow.getHandle(early.workflowId).terminate('test done');
    });
  });

  it("shows the PIN read back even when the live number's customers cannot be read for its page", async () => {
    const failing = { untrustedPage: () => Promise.reject(new Error('the identity store is down')) };
    const down = await consoleApp(t.bench, [{ name: ADMIN, roles: ['admin'] }], {
      identities: failing as unknown as IdentityStore,
    });
    try {
      const admin = await signedInClient(down.app, down.tokens[ADMIN] as string);
      await t.bench.run(async () => {
        const formPage = await admin.get(page);
        expect(formPage.statusCode).toBe(500); // the page itself needs them
        const csrf = csrfToken(consoleKey(CONSOLE_SECRET, 'csrf'), admin.session as string, `${e164}/pin-reveal`);
        const answer = await admin.post(`${page}/pin-reveal`, { csrf, reason: REASON });
        expect(answer.statusCode).toBe(200);
        expect(answer.body).toContain(`<code class="pin">${pin}</code>`);
      });
    } finally {
      await down.app.close();
    }
  });

  it('says where the PIN can be read when this service holds only the public secrets key', async () => {
    const { tokenFile, tokens } = consoleUnderTest;
    const sealingOnly = sealingOnlyClient(t.env.client);
    const service = await harnessHttpApp(t.bench, {
      client: sealingOnly,
      principals: PrincipalDirectory.fromFile(tokenFile),
      events: { pollMs: 200, keepAliveMs: 5_000 },
      console: { secret: CONSOLE_SECRET },
    });
    try {
      const admin = await signedInClient(service, tokens[ADMIN] as string);
      await t.bench.run(async () => {
        const notes = (await journey.view()).notes.length;
        const answer = await admin.submit(page, `${page}/pin-reveal`, { reason: REASON });
        expect(answer.statusCode).toBe(501);
        expect(answer.body).toContain('NUMBERFLOW_SECRETS_KEY');
        expect(answer.body).toContain(`value="${REASON}"`);
        expect(leaked(answer.body, [pin])).toEqual([]);
        expect((await journey.view()).notes).toHaveLength(notes);
      });
    } finally {
      await service.close();
    }
  });
});
