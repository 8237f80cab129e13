// The console on a live number's page: the identity-change check turned off and on, the post-launch test message,
// and the customers whose identity changed, one confirmed by the signed-in operator — the same operations as the
// API's, each with its CSRF token and role, and the recovery then in the number's timeline. No hash or token shows.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerIdentityWorkflowId, type IdentityOutcome } from '../../src/domain/identity.js';
import { consoleKey, csrfToken } from '../../src/http/console/csrf.js';
import { useBench } from '../support/bench.js';
import {
  CONSOLE_SECRET,
  consoleApp,
  csrfOf,
  hiddenFieldsOf,
  postForms,
  signedInClient,
  type ConsoleApp,
} from '../support/console.js';
import { sendFrom, untilUntrusted, untrustedCustomer } from '../support/identity.js';
import { freshId } from '../support/journeys.js';
import { leaked } from '../support/secrets-scan.js';

const OPERATOR = 'operator@acme';
const ADMIN = 'admin@acme';
const AUDITOR = 'auditor@acme';
const ELSEWHERE = 'operator@elsewhere';

describe("a live number's identity controls in the console (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  let under: ConsoleApp;
  let app: FastifyInstance;
  let customer: Awaited<ReturnType<typeof untrustedCustomer>>;
  let page: string;

  beforeAll(async () => {
    under = await consoleApp(
      t.bench,
      [
        { name: OPERATOR, roles: ['operator'], portfolios: [t.bench.portfolioId] },
        { name: ADMIN, roles: ['admin'] },
        { name: AUDITOR, roles: ['auditor'] },
        { name: ELSEWHERE, roles: ['operator'], portfolios: [freshId()] },
      ],
      { identities: t.bench.identities },
    );
    app = under.app;
    customer = await t.bench.run(() => untrustedCustomer(t.bench));
    page = `/journeys/${encodeURIComponent(customer.e164)}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  const signedIn = (name: string) => signedInClient(app, under.tokens[name] as string);
  const confirmation = () => `${page}/identities/${customer.waId}/confirmation`;
  const scanned = (body: string) => expect(leaked(body, [...customer.hashes, t.bench.graphToken])).toEqual([]);

  it('shows an operator the identity check, the test message and the untrusted customer with a form to confirm them', async () => {
    const operator = await signedIn(OPERATOR);
    const body = (await t.bench.run(() => operator.get(page))).body;
    expect(postForms(body)).toEqual(
      expect.arrayContaining([`${page}/identity-check`, `${page}/test-message`, confirmation()]),
    );
    expect(body).toContain('Turn the identity check off');
    expect(body).toContain('Customers whose identity changed');
    expect(body).toContain(`<strong>${customer.waId}</strong> · untrusted: sends are refused`);
    expect(body).toContain('Meta answered 137000');
    expect(body).toMatch(/<option value="phone_call">phone call<\/option>/);
    // No method is chosen for the operator (the audit records the one they pick): the form asks for one.
    expect(body).toMatch(/<option value="" selected disabled>choose how<\/option>/);
    expect(body).not.toMatch(/<option value="[a-z_]+" selected>/);
    scanned(body);
  });

  it('shows an auditor the untrusted customer and no form; refuses their confirmation even with a valid CSRF token', async () => {
    const auditor = await signedIn(AUDITOR);
    const body = (await t.bench.run(() => auditor.get(page))).body;
    expect(body).toContain(`<strong>${customer.waId}</strong> · untrusted`);
    expect(postForms(body).filter((action) => action.startsWith(page))).toEqual([]);
    const csrf = csrfToken(
      consoleKey(CONSOLE_SECRET, 'csrf'),
      auditor.session as string,
      `${customer.e164}/identities/${customer.waId}/confirmation`,
    );
    await t.bench.run(async () => {
      const answer = await auditor.post(confirmation(), { csrf, method: 'phone_call' });
      expect(answer.statusCode).toBe(403);
      expect(answer.body).toContain('this needs the operator or admin role; auditor@acme has auditor');
    });
    expect(await t.bench.identities.trust(customer)).toMatchObject({ state: 'untrusted' });
  });

  it('keeps the number and its customers from an operator of another portfolio, even with a valid CSRF token', async () => {
    const elsewhere = await signedIn(ELSEWHERE);
    const csrf = csrfToken(
      consoleKey(CONSOLE_SECRET, 'csrf'),
      elsewhere.session as string,
      `${customer.e164}/identities/${customer.waId}/confirmation`,
    );
    await t.bench.run(async () => {
      const shown = await elsewhere.get(page);
      expect(shown.statusCode).toBe(404);
      expect(shown.body).not.toContain(customer.waId);
      const answer = await elsewhere.post(confirmation(), { csrf, method: 'phone_call' });
      expect(answer.statusCode).toBe(404);
      expect(answer.body).not.toContain(customer.waId);
    });
    expect(await t.bench.identities.trust(customer)).toMatchObject({ state: 'untrusted' });
  });

  it('turns the identity check off and on, recorded with each signed-in principal', async () => {
    await t.bench.run(async () => {
      const operator = await signedIn(OPERATOR);
      const off = await operator.submit(page, `${page}/identity-check`, { enabled: 'false' });
      expect(off.statusCode).toBe(200);
      expect(off.body).toContain('<strong>accepted:</strong> the identity-change check is off');
      expect(off.body).toContain('Turn the identity check on');
      const bad = await operator.post(`${page}/identity-check`, {
        csrf: csrfOf((await operator.get(page)).body, `${page}/identity-check`),
        enabled: 'maybe',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('true turns the check on, false turns it off');

      const admin = await signedIn(ADMIN);
      const on = await admin.submit(page, `${page}/identity-check`, { enabled: 'true' });
      expect(on.body).toContain('<strong>accepted:</strong> the identity-change check is on');
      const notes = (await t.env.client.workflow.getHandle(`number:${customer.e164}`).query('journey')) as {
        notes: { actor: string; what: string }[];
      };
      expect(notes.notes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ actor: OPERATOR, what: 'turned off the identity-change check' }),
          expect.objectContaining({ actor: ADMIN, what: 'turned on the identity-change check' }),
        ]),
      );
    });
  });

  it('refuses the test message to the untrusted customer naming the way out, and a wa_id that is not one', async () => {
    await t.bench.run(async () => {
      const operator = await signedIn(OPERATOR);
      const refused = await operator.submit(page, `${page}/test-message`, { to: customer.waId, text: '' });
      expect(refused.statusCode).toBe(200);
      expect(refused.body).toContain('<strong>refused:</strong>');
      expect(refused.body).toContain(`numberflow identity confirm ${customer.e164} ${customer.waId}`);
      const invalid = await operator.submit(page, `${page}/test-message`, { to: 'not-a-number' });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.body).toContain('must be the customer&#39;s wa_id');
      expect(invalid.body).toContain('value="not-a-number"'); // kept to correct
    });
  });

  it('confirms the customer as the signed-in operator; the test message then goes without the hash and trust comes back', async () => {
    await t.bench.run(async () => {
      const operator = await signedIn(OPERATOR);
      const before = (await operator.get(page)).body;
      const badMethod = await operator.post(confirmation(), {
        csrf: csrfOf(before, confirmation()),
        method: 'carrier pigeon',
      });
      expect(badMethod.statusCode).toBe(400);
      expect(badMethod.body).toContain('must be one of phone_call');
      const noMethod = await operator.post(confirmation(), { csrf: csrfOf(before, confirmation()), note: 'checked' });
      expect(noMethod.statusCode).toBe(400);
      expect(noMethod.body).toContain('how you re-verified: is required');
      const without = await operator.post(confirmation(), { method: 'email' });
      expect(without.statusCode).toBe(403);

      const posted = {
        ...hiddenFieldsOf(before, confirmation()),
        method: 'email',
        note: 'replied from the address on file',
      };
      const accepted =
        '<strong>accepted:</strong> confirmed: the next send to the customer goes without the identity hash';
      const confirmed = await operator.post(confirmation(), posted);
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.body).toContain(accepted);
      // Posted again by a reload of its answer: the first answer, not a refusal of a second confirmation.
      const reloaded = await operator.post(confirmation(), posted);
      expect(reloaded.statusCode).toBe(200);
      expect(reloaded.body).toContain(accepted);
      expect(confirmed.body).toContain('confirmed: the next send goes without the identity hash');
      expect(postForms(confirmed.body)).not.toContain(confirmation());
      // The same form again (its token still valid): the workflow refuses a second confirmation.
      const again = await operator.post(confirmation(), { csrf: csrfOf(before, confirmation()), method: 'sms' });
      expect(again.statusCode).toBe(409);
      expect(again.body).toContain(`already confirmed by ${OPERATOR}`);
      // The recovery's stage as the page writes stages, not its code.
      expect(again.body).toContain('(stage &quot;confirmed, waiting for the new hash&quot;)');
      expect(again.body).not.toContain('AWAITING_NEW_HASH');

      const sent = await operator.submit(page, `${page}/test-message`, { to: customer.waId });
      expect(sent.body).toContain(`<strong>accepted:</strong> the test message to ${customer.waId} was sent`);
      await t.bench.sandbox.admin.flushWebhooks();
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(customer.phoneNumberId, customer.waId));
      expect(((await handle.result()) as IdentityOutcome).stage).toBe('TRUSTED');
      const after = (await operator.get(page)).body;
      expect(after).toContain('None: every customer of this number is trusted.');
      scanned(after);
    });
  });

  it('refuses a form left open since an earlier change of the customer: it would confirm a later one nobody re-verified', async () => {
    await t.bench.run(async () => {
      const other = await untrustedCustomer(t.bench);
      const otherPage = `/journeys/${encodeURIComponent(other.e164)}`;
      const action = `${otherPage}/identities/${other.waId}/confirmation`;
      const operator = await signedIn(OPERATOR);
      // Two tabs on the first change: one confirms it, the other is left open.
      const [first, stale] = [(await operator.get(otherPage)).body, (await operator.get(otherPage)).body];
      const confirmed = await operator.post(action, { ...hiddenFieldsOf(first, action), method: 'phone_call' });
      expect(confirmed.statusCode).toBe(200);
      await sendFrom(t.bench, other.view, other.waId);
      await t.bench.sandbox.admin.flushWebhooks();
      const recovery = customerIdentityWorkflowId(other.phoneNumberId, other.waId);
      expect(((await t.env.client.workflow.getHandle(recovery).result()) as IdentityOutcome).stage).toBe('TRUSTED');
      // The customer's number changes hands again: a second change, which nobody has re-verified.
      t.bench.sandbox.admin.recycleCustomer(other.phoneNumberId, other.waId);
      await sendFrom(t.bench, other.view, other.waId);
      await t.bench.sandbox.admin.flushWebhooks();
      await untilUntrusted(t.bench, other);
      const refused = await operator.post(action, { ...hiddenFieldsOf(stale, action), method: 'email' });
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain(`customer ${other.waId} of ${other.e164} changed identity again at`);
      expect((await t.bench.identities.trust(other))?.state).toBe('untrusted');
      // The page read now shows the second change, and its form confirms it.
      const now = (await operator.get(otherPage)).body;
      const second = await operator.post(action, { ...hiddenFieldsOf(now, action), method: 'email' });
      expect(second.statusCode).toBe(200);
    });
  });

  it("shows the recovery in the number's timeline page, with the operator and how they checked", async () => {
    const auditor = await signedIn(AUDITOR);
    const timeline = await t.bench.run(async () => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const body = (await auditor.get(`${page}/timeline`)).body;
        if (body.includes('TRUSTED')) return body;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the timeline never showed the recovery closed');
    });
    expect(timeline).toContain('Customers&#39; identity recoveries');
    expect(timeline).toContain('confirmed the customer&#39;s identity by email');
    expect(timeline).toContain(`<td data-label="who">${OPERATOR}</td>`);
    expect(timeline).toContain(`<td data-label="customer">${customer.waId}</td>`);
    expect(timeline).not.toContain('replied from the address on file');
    scanned(timeline);
  });
});
