// The operator console in a real headless Chromium (Debian's, driven by playwright-core): an operator signs in,
// finds the journey awaiting a code, submits a wrong code and then the right one, and watches the stage change
// through the event stream without a reload; then the same on a phone-sized screen with the keyboard alone.
// Screenshots are kept in test-artifacts/ (gitignored).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import { useBench } from '../support/bench.js';
import { consoleApp, consoleReplica } from '../support/console.js';
import { untrustedCustomer } from '../support/identity.js';
import { decideName, startLive } from '../support/steps.js';

/** What the functions run inside the page use of its document (the project compiles without the DOM's types). */
interface PageDocument {
  dispatchEvent(event: unknown): boolean;
  activeElement: { id: string; matches(selector: string): boolean } | null;
  body: { setAttribute(name: string, value: string): void };
  documentElement: { scrollWidth: number; clientWidth: number };
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
interface PageElement {
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): { right: number };
  querySelector(selector: string): PageElement | null;
}
declare const window: { innerWidth: number; dispatchEvent(event: unknown): boolean };
declare const Event: new (type: string) => unknown;
declare const document: PageDocument;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const OPERATOR = 'operator@acme';
const AUDITOR = 'auditor@acme';
const ADMIN = 'admin@acme';
/** How long the browser waits for something the journey does (bounded; the journey usually takes a second). */
const JOURNEY_MS = 45_000;

describe('the operator console in Chromium (dev server + Graph sandbox)', () => {
  const t = useBench('dev');
  let browser: Browser;
  let app: FastifyInstance;
  let url: string;
  let token: string;
  let auditorToken: string;
  let adminToken: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not at ${CHROMIUM}: run bash scripts/install-test-deps.sh (as root it installs Debian's chromium), or set CHROMIUM_PATH`,
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    const made = await consoleApp(
      t.bench,
      [
        { name: OPERATOR, roles: ['operator'], portfolios: [t.bench.portfolioId] },
        { name: AUDITOR, roles: ['auditor'] },
        { name: ADMIN, roles: ['admin'] },
      ],
      { identities: t.bench.identities },
    );
    app = made.app;
    token = made.tokens[OPERATOR] as string;
    auditorToken = made.tokens[AUDITOR] as string;
    adminToken = made.tokens[ADMIN] as string;
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    // Chromium's sandbox needs user namespaces, which root in a container does not get.
    const asRoot = process.getuid?.() === 0;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: asRoot ? ['--no-sandbox'] : [] });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A phone-sized page that opened the number's page and signed in there with `withToken`. */
  const onPhoneSignedIn = async (e164: string, withToken: string) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const journeyPage = `${url}/journeys/${encodeURIComponent(e164)}`;
    await page.goto(journeyPage);
    await page.getByLabel('API token').fill(withToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(journeyPage);
    return { context, page, journeyPage };
  };

  const journeyAwaitingCode = async () => {
    const journey = await t.bench.start(t.bench.input());
    const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    const code = t.bench.sandbox.admin.latestCode(view.phoneNumberId as string) as string;
    return { journey, e164: view.e164, code, wrong: code === '000000' ? '111111' : '000000' };
  };

  it('lets an operator sign in, find the journey awaiting a code, submit a wrong then the right code, and see the stage change live', async () => {
    await t.bench.run(async () => {
      const { journey, e164, code, wrong } = await journeyAwaitingCode();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();

      await page.goto(`${url}/`);
      expect(page.url()).toBe(`${url}/sign-in`);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${url}/`);

      const link = page.locator(`a[href="/journeys/${encodeURIComponent(e164)}"]`);
      await reloadUntilVisible(page, link);
      expect(await link.textContent()).toContain('awaiting the code');
      await link.click();
      await page.waitForURL(`${url}/journeys/${encodeURIComponent(e164)}`);
      expect(await page.locator('[data-stage-code]').textContent()).toBe('AWAITING_OTP');

      await page.getByLabel(/^Code Meta sent/).fill(wrong);
      await page.getByRole('button', { name: 'Submit the code' }).click();
      await page.locator('#outcome').waitFor({ timeout: JOURNEY_MS });
      expect(await page.locator('#outcome').textContent()).toContain('code wrong, 2 attempts left');
      expect(await page.getByLabel(/^Code Meta sent/).inputValue()).toBe('');
      await page.screenshot({ path: join(ARTIFACTS, 'console-wrong-code.png'), fullPage: true });

      await page.getByLabel(/^Code Meta sent/).fill(code);
      await page.getByRole('button', { name: 'Submit the code' }).click();
      await page.locator('#outcome.accepted').waitFor({ timeout: JOURNEY_MS });
      expect(await page.locator('#outcome').textContent()).toContain('code accepted');

      // From here on the page must not load again: a mark in its DOM would be gone after a reload.
      await page.evaluate(() => document.body.setAttribute('data-test-mark', 'no reload'));
      await stageShown(page, 'DISPLAY_NAME_REVIEW');
      // The answer at the top was the code's acceptance, which the move follows from: not marked earlier.
      expect(await page.locator('#outcome').textContent()).toMatch(/^\s*accepted: code accepted/);
      await decideName(t.bench, journey, 'APPROVED');
      await stageShown(page, 'LIVE');
      expect(await page.locator('body').getAttribute('data-test-mark')).toBe('no reload');
      expect(await page.locator('[data-stage-label]').textContent()).toBe('live');
      // The forms followed the stage: the code form went, the rename form came.
      expect(await page.getByLabel(/^Code Meta sent/).count()).toBe(0);
      expect(await page.getByLabel('New display name').count()).toBe(1);
      // A name of 255 characters outside the BMP (510 UTF-16 units) is kept whole: the browser cut it at 255 units.
      const astral = '𠮷'.repeat(254) + 'A';
      await page.getByLabel('New display name').fill(astral);
      expect(await page.getByLabel('New display name').inputValue()).toBe(astral);
      await page.getByLabel('New display name').fill('');
      // After the POST the address bar shows the journey's page again, so a reload does not post.
      expect(page.url()).toBe(`${url}/journeys/${encodeURIComponent(e164)}`);
      await page.screenshot({ path: join(ARTIFACTS, 'console-journey.png'), fullPage: true });

      // A live number is in no queue: the header's field goes to it, written as a person writes it.
      await page.goto(`${url}/`);
      const spaced = e164.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '+1 ($1) $2-$3');
      await page.getByLabel('Go to a number').fill(spaced);
      await page.getByRole('button', { name: 'Go' }).click();
      await page.waitForURL(`${url}/journeys/${encodeURIComponent(e164)}`);
      await page.getByLabel('Go to a number').fill('+1 415 CALL NOW');
      await page.getByRole('button', { name: 'Go' }).click();
      await page.locator('h1', { hasText: 'Not a number' }).waitFor();
      expect(await page.locator('.outcome.refused').textContent()).toContain('That number');
      await context.close();
    });
  }, 180_000);

  it("lets a hidden page's stream go and follows again once shown; polls, saying so, when the service refuses it one", async () => {
    await t.bench.run(async () => {
      const { journey, e164, code } = await journeyAwaitingCode();
      const { context, page } = await onPhoneSignedIn(e164, token);
      try {
        await page.evaluate(() => document.body.setAttribute('data-test-mark', 'no reload'));
        // Another tab in front: six pages following journeys held all of a browser's connections to the service.
        await setHidden(page, true);
        await t.env.client.workflow
          .getHandle(journey.workflowId)
          .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'ops@acme' }] });
        await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
        await new Promise((resolve) => setTimeout(resolve, 2_000)); // ten of the stream's reads, had it stayed open
        expect(await page.locator('[data-stage-code]').textContent()).toBe('AWAITING_OTP');
        await setHidden(page, false);
        await stageShown(page, 'DISPLAY_NAME_REVIEW');
        expect(await page.locator('body').getAttribute('data-test-mark')).toBe('no reload');

        // The principal holds as many streams as it may (20, the API's and the console's together) while the page is
        // hidden: shown again, it is refused one, says so and reads itself again every 15 s.
        await setHidden(page, true);
        const held = new AbortController();
        const streams: Response[] = [];
        const openStream = () =>
          fetch(`${url}/v1/journeys/${encodeURIComponent(e164)}/events`, {
            headers: { authorization: `Bearer ${token}` },
            signal: held.signal,
          });
        // (The page's stream, let go, may take a moment to be counted out.)
        for (let tries = 0; streams.length < 20 && tries < 100; tries++) {
          const answer = await openStream();
          if (answer.status === 200) streams.push(answer);
          else await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(streams).toHaveLength(20);
        try {
          await setHidden(page, false);
          await page.locator('#not-live').waitFor({ timeout: JOURNEY_MS });
          expect(await page.locator('#not-live').textContent()).toBe(
            'This page does not follow the journey live now (too many pages follow journeys for you: close some): it is read again every 15 s, and follows it live again once it can.',
          );
          await decideName(t.bench, journey, 'APPROVED');
          await stageShown(page, 'LIVE');
          expect(await page.locator('body').getAttribute('data-test-mark')).toBe('no reload');
        } finally {
          held.abort();
        }
        // The streams closed (pages closed), the page follows live again at its next try, within a minute.
        await page.locator('#not-live').waitFor({ state: 'detached', timeout: 75_000 });
        expect(await page.locator('body').getAttribute('data-test-mark')).toBe('no reload');
      } finally {
        await context.close();
      }
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  }, 180_000);

  it('says a page does not follow live once its replica is gone, and reads itself meanwhile, until it is back', async () => {
    await t.bench.run(async () => {
      const { journey, e164, code } = await journeyAwaitingCode();
      // A replica of the service of its own (the same console secret and tokens), stopped under the page.
      const replica = await consoleApp(t.bench, [{ name: OPERATOR, roles: ['operator'] }]);
      const at = await replica.app.listen({ host: '127.0.0.1', port: 0 });
      let back: FastifyInstance | null = null;
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        const journeyPage = `${at}/journeys/${encodeURIComponent(e164)}`;
        await page.goto(journeyPage);
        await page.getByLabel('API token').fill(replica.tokens[OPERATOR] as string);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(journeyPage);
        await page.evaluate(() => document.body.setAttribute('data-test-mark', 'no reload'));
        await replica.app.close();
        await page.locator('#not-live').waitFor({ timeout: JOURNEY_MS });
        expect(await page.locator('#not-live').textContent()).toBe(
          'This page does not follow the journey live now (the service cannot be reached): it is read again every 15 s, and follows it live again once it can.',
        );
        // The replica back on its address: the page reads itself (every 15 s) and shows where the journey is.
        back = await consoleReplica(t.bench, replica);
        await back.listen({ host: '127.0.0.1', port: Number(new URL(at).port) });
        await t.env.client.workflow
          .getHandle(journey.workflowId)
          .executeUpdate(submitOtpUpdate, { args: [{ code, actor: OPERATOR }] });
        await stageShown(page, 'DISPLAY_NAME_REVIEW');
        expect(await page.locator('body').getAttribute('data-test-mark')).toBe('no reload');
      } finally {
        await context.close();
        await back?.close();
      }
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  }, 180_000);

  it('works on a phone-sized screen with the keyboard alone', async () => {
    await t.bench.run(async () => {
      const { e164, code } = await journeyAwaitingCode();
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        timezoneId: 'Asia/Kolkata', // UTC+05:30
      });
      const page = await context.newPage();

      await page.goto(`${url}/sign-in`);
      expect(await focusedOnceRendered(page, 'token')).toBe('token'); // autofocus
      await page.keyboard.type(token);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${url}/`);

      const href = `/journeys/${encodeURIComponent(e164)}`;
      await reloadUntilVisible(page, page.locator(`a[href="${href}"]`));
      // The queue's times too are said in the reader's zone beside UTC.
      expect(await page.locator('time[datetime] + .local-time').count()).toBeGreaterThan(0);
      await tabTo(page, `a[href="${href}"]`);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${url}${href}`);
      expect(await fitsWidth(page)).toBe(true);
      // The page's times are UTC; the reader's zone is said beside each.
      const started = page.locator('time[datetime]').first();
      const local = new Intl.DateTimeFormat('en-US', {
        timeZone: 'Asia/Kolkata',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date((await started.getAttribute('datetime')) as string));
      expect(await started.locator('+ .local-time').textContent()).toContain(local);

      await tabTo(page, '#code');
      await page.keyboard.type(code);
      await page.keyboard.press('Enter');
      await page.locator('#outcome.accepted').waitFor({ timeout: JOURNEY_MS });
      expect(await focusedOnceRendered(page, 'outcome')).toBe('outcome'); // read out first (autofocus)
      expect(await fitsWidth(page)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'console-phone.png'), fullPage: true });

      await page.setViewportSize({ width: 360, height: 740 }); // the narrowest phones in use
      expect(await fitsWidth(page)).toBe(true);
      await context.close();
    });
  }, 180_000);

  it('keeps what an operator types while the journey moves on elsewhere, and ties a refusal to its field', async () => {
    await t.bench.run(async () => {
      // A long name without a space: it wraps on a phone instead of pushing the page sideways.
      const journey = await t.bench.start(t.bench.input({ displayName: 'AcmeInternationalCustomerSupportServices' }));
      const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(view.phoneNumberId as string) as string;
      const wrong = code === '000000' ? '111111' : '000000';
      const { context, page } = await onPhoneSignedIn(view.e164, token);
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await fitsWidth(page)).toBe(true);

      // A refused code: the field says it is invalid, described by the outcome first.
      await page.getByLabel(/^Code Meta sent/).fill(wrong);
      await page.getByRole('button', { name: 'Submit the code' }).click();
      await page.locator('#outcome.refused').waitFor({ timeout: JOURNEY_MS });
      expect(await page.locator('#code').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#code').getAttribute('aria-describedby')).toBe('outcome code-help');
      // A refused cancel reason (a control character) comes back as typed, the field marked.
      const reason = page.getByLabel('Why cancel');
      await reason.fill('wrong number\u0007');
      // Enter in the reason sends nothing while the box is not ticked: the browser asks for it first.
      const unticked = page.locator('#cancel-confirm');
      expect(
        await unticked.evaluate(
          (box) => (box as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing,
        ),
      ).toBe(true);
      await unticked.check();
      await page.getByRole('button', { name: 'Cancel the onboarding' }).click();
      await page.locator('#outcome.refused').waitFor({ timeout: JOURNEY_MS });
      expect(await reason.inputValue()).toBe('wrong number\u0007');
      expect(await reason.getAttribute('aria-invalid')).toBe('true');

      // Another wrong code from elsewhere: the count updates live, and the code being typed stays.
      await page.evaluate(() => document.body.setAttribute('data-test-mark', 'no reload'));
      await page.getByLabel(/^Code Meta sent/).fill('12');
      const handle = t.bench.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitOtpUpdate, { args: [{ code: wrong, actor: 'cli@acme' }] });
      await page.waitForFunction(() => document.querySelector('#code-help')?.textContent?.includes('2 of 3') ?? false);
      expect(await page.getByLabel(/^Code Meta sent/).inputValue()).toBe('12');
      // Its note is said politely, beside the stage line (which did not move).
      await page.waitForFunction(
        () =>
          document.querySelector('#live-news')?.textContent?.includes('submitted a code that Meta refused') ?? false,
      );
      expect(await page.locator('#live-news').getAttribute('aria-live')).toBe('polite');

      // The code submitted elsewhere while the operator types a cancel reason: the cancel form stays, with its text
      // and the focus, though every other form changed with the stage.
      await unticked.check();
      await reason.fill('ported to another provider');
      await reason.focus();
      await handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'cli@acme' }] });
      await stageShown(page, 'DISPLAY_NAME_REVIEW');
      // The refusal at the top is of the stage before: it says it is earlier.
      expect(await page.locator('#outcome').textContent()).toMatch(/^\s*Earlier — \s*refused:/);
      expect(await page.title()).toBe(`${view.e164} · numberflow console`); // no longer led by "refused"
      expect(await page.getByLabel(/^Code Meta sent/).count()).toBe(0);
      expect(await reason.inputValue()).toBe('ported to another provider');
      expect(await unticked.isChecked()).toBe(true); // the box ticked stays ticked
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('cancel-reason');
      expect(await page.locator('body').getAttribute('data-test-mark')).toBe('no reload');
      expect(await fitsWidth(page)).toBe(true);
      await context.close();
    });
  }, 180_000);

  it('does not call earlier the answer the move follows from: the last wrong code, a cancel', async () => {
    await t.bench.run(async () => {
      // The last wrong code: refused, saying the journey ends FAILED, which it then does.
      const failing = await journeyAwaitingCode();
      const handle = t.bench.env.client.workflow.getHandle(failing.journey.workflowId);
      for (let i = 0; i < 2; i++) {
        await handle.executeUpdate(submitOtpUpdate, { args: [{ code: failing.wrong, actor: 'cli@acme' }] });
      }
      const first = await onPhoneSignedIn(failing.e164, token);
      await first.page.getByLabel(/^Code Meta sent/).fill(failing.wrong);
      await first.page.getByRole('button', { name: 'Submit the code' }).click();
      await first.page.locator('#outcome.refused').waitFor({ timeout: JOURNEY_MS });
      await stageShown(first.page, 'FAILED');
      expect(await first.page.locator('#outcome').textContent()).toMatch(/^\s*refused: .*the journey ends FAILED/);
      expect(await first.page.title()).toBe(`refused · ${failing.e164} · numberflow console`);
      await first.context.close();

      // A cancel, answered pending, then done.
      const cancelled = await journeyAwaitingCode();
      const second = await onPhoneSignedIn(cancelled.e164, token);
      await second.page.getByLabel('Why cancel').fill('wrong number');
      await second.page.locator('#cancel-confirm').check();
      await second.page.getByRole('button', { name: 'Cancel the onboarding' }).click();
      await second.page.locator('#outcome.pending').waitFor({ timeout: JOURNEY_MS });
      await stageShown(second.page, 'CANCELLED');
      expect(await second.page.locator('#outcome').textContent()).toMatch(/^\s*pending:/);
      await second.context.close();
    });
  }, 180_000);

  it('sends a form pressed three times once, and says so when the page is signed out', async () => {
    await t.bench.run(async () => {
      const { journey, e164, code, wrong } = await journeyAwaitingCode();
      const { context, page } = await onPhoneSignedIn(e164, token);
      // Meta is slow to answer: a second press would have been refused for the stage the first one left.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs: 2_000 });
      const posts: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST') posts.push(request.url());
      });
      await page.getByLabel(/^Code Meta sent/).fill(wrong);
      // Three presses 300 ms apart, while the first is answered (as a person does).
      await page.evaluate(() => {
        const button = document.querySelector('form[action$="/otp"] button') as unknown as { click(): void };
        button.click();
        setTimeout(() => button.click(), 300);
        setTimeout(() => button.click(), 600);
      });
      await page.waitForURL(/\/otp$/, { timeout: JOURNEY_MS }).catch(() => undefined);
      await page.locator('#outcome').waitFor({ timeout: JOURNEY_MS });
      expect(posts).toHaveLength(1);
      expect(await page.locator('#outcome').textContent()).toContain('code wrong, 2 attempts left');
      expect(await page.getByRole('button', { name: 'Submit the code' }).count()).toBe(1); // a new page, a new form

      // Signed out (the session gone): the next change the stream brings says so, and how to sign in again.
      await context.clearCookies();
      const handle = t.bench.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'cli@acme' }] });
      await page.locator('#signed-out').waitFor({ timeout: JOURNEY_MS });
      expect(await page.locator('#signed-out').textContent()).toBe(
        'You are signed out: this page no longer follows the journey — sign in again.',
      );
      expect(await page.locator('#signed-out a').getAttribute('href')).toBe(
        `/sign-in?next=${encodeURIComponent(`/journeys/${encodeURIComponent(e164)}`)}`,
      );
      await context.close();
    });
  }, 180_000);

  it('lets an operator confirm a customer whose identity changed, from the live number’s page', async () => {
    await t.bench.run(async () => {
      const { e164, waId } = await untrustedCustomer(t.bench);
      const { context, page } = await onPhoneSignedIn(e164, token);

      const customers = page.locator('#customers');
      expect(await customers.textContent()).toContain(`${waId} · untrusted`);
      await page.getByLabel(`How you re-verified ${waId} outside WhatsApp`).selectOption('video_call');
      await page.getByLabel(/^What you checked/).fill('saw the customer on a video call');
      // The form and its button name the customer: a screen reader's list of them tells one from the next.
      expect(await page.getByRole('form', { name: `Confirm customer ${waId}` }).count()).toBe(1);
      await page.getByRole('button', { name: `Confirm customer ${waId}` }).click();
      await page.locator('#outcome.accepted').waitFor({ timeout: JOURNEY_MS });
      expect(await page.locator('#outcome').textContent()).toContain('the next send to the customer goes without');
      expect(await customers.textContent()).toContain(`${waId} · confirmed`);
      expect(await page.getByRole('button', { name: `Confirm customer ${waId}` }).count()).toBe(0);
      expect(await fitsWidth(page)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'console-identity-confirmed.png'), fullPage: true });
      await context.close();
    });
  }, 180_000);

  it('shows an admin the PIN read back once: not after a reload, nor once the page was left; a page shown again sends anew', async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench);
      const pin = t.bench.sandbox.admin.twoStepPin(view.e164) as string;
      const { context, page, journeyPage } = await onPhoneSignedIn(view.e164, adminToken);
      await page.getByLabel('Why read the PIN back').fill('deleting the number in WhatsApp Manager');
      await page.getByRole('button', { name: 'Read back the PIN' }).click();
      await page.locator('code.pin').waitFor({ timeout: JOURNEY_MS });
      expect(await page.locator('code.pin').textContent()).toBe(pin);
      expect(page.url()).toBe(journeyPage); // the page's own address: a reload posts nothing
      // Left (another page, a closed tab), the page blanks it: Back to a page the browser kept shows it no more.
      await page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
      expect(await page.locator('code.pin').textContent()).not.toContain(pin);
      await page.reload();
      expect(await page.locator('code.pin').count()).toBe(0);
      expect(await page.content()).not.toContain(pin);
      // A page the browser shows again from its cache (Back) is a new page: its forms get new submission ids, so a
      // form sent from it again acts, where a reload of an answer only reads the first answer again.
      const submission = page.locator('input[name=submission]').first();
      const before = await submission.inputValue();
      await page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
      expect(await submission.inputValue()).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(await submission.inputValue()).not.toBe(before);
      await context.close();
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  }, 180_000);

  it('lets an auditor open the timeline from the journey’s page, read it on a phone, and print it without the controls', async () => {
    await t.bench.run(async () => {
      const { journey, e164 } = await journeyAwaitingCode();
      const { context, page, journeyPage } = await onPhoneSignedIn(e164, auditorToken);
      await page.getByRole('link', { name: 'Timeline' }).click();
      await page.waitForURL(`${journeyPage}/timeline`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Audit of ${e164}`);
      expect(await page.locator('table.timeline tbody tr').count()).toBeGreaterThan(3);
      expect(await fitsWidth(page)).toBe(true); // a wide table scrolls in its own box
      await page.screenshot({ path: join(ARTIFACTS, 'console-timeline-phone.png'), fullPage: true });

      // On a desktop every column is in view: no table scrolls in its box, the last column ends inside the window.
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(await page.locator('table.timeline thead th').first().isVisible()).toBe(true); // a table, not blocks
      expect(await tablesInView(page)).toEqual({ scrolling: 0, lastColumnHidden: 0 });
      expect(await fitsWidth(page)).toBe(true);
      // A word longer than a column leaves room for (a message id Meta gives, 44 characters) breaks in its cell.
      const messageId = 'wamid.ggHG5XiZRkJSdNpuDbi2vHirll9MQfKuQJek3S';
      expect(messageId).toHaveLength(44);
      await page.evaluate((word) => {
        const cell = document.querySelector('table.timeline tbody td:last-child');
        if (cell) cell.textContent = `the test message was sent (${word}, status sent)`;
      }, messageId);
      expect(await tablesInView(page)).toEqual({ scrolling: 0, lastColumnHidden: 0 });
      await page.screenshot({ path: join(ARTIFACTS, 'console-timeline-desktop.png'), fullPage: true });

      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('header.bar').isVisible()).toBe(false);
      expect(await page.locator('p.links').isVisible()).toBe(false);
      expect(await page.locator('table.timeline').first().isVisible()).toBe(true);
      await page.pdf({ path: join(ARTIFACTS, 'console-timeline.pdf') });
      await page.screenshot({ path: join(ARTIFACTS, 'console-timeline-print.png'), fullPage: true });
      await context.close();
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  }, 180_000);
});

/** Visibility may show a journey's stage a moment after the journey reached it: reload until it is listed. */
async function reloadUntilVisible(page: Page, locator: ReturnType<Page['locator']>): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    if ((await locator.count()) > 0) return;
    await page.waitForTimeout(250);
    await page.reload();
  }
  throw new Error(`never listed: ${locator.toString()}`);
}

/** Presses Tab until the element matching `selector` has the focus (at most 80 times). */
/**
 * The focused element's id once the browser has applied `autofocus`, which it does at a rendering opportunity after
 * the page loaded (on a busy machine, after the test's first look): waits up to 5 s for `expected`, then answers.
 */
async function focusedOnceRendered(page: Page, expected: string): Promise<string | undefined> {
  await page
    .waitForFunction((id) => document.activeElement?.id === id, expected, { timeout: 5_000 })
    .catch(() => undefined); // the assertion after says what had the focus instead
  return page.evaluate(() => document.activeElement?.id);
}

async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 80; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** The page as the browser shows it (hidden: another tab in front, a minimised window), as its script hears it. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((on) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => on });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (on ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Waits (bounded) until the page shows the stage, as the live script puts it in. */
async function stageShown(page: Page, stage: string): Promise<void> {
  await page.waitForFunction((wanted) => document.querySelector('[data-stage-code]')?.textContent === wanted, stage, {
    timeout: JOURNEY_MS,
  });
}

/**
 * The timeline's tables that scroll sideways in their box, and those whose last column ends past their box or the
 * window (out of sight).
 */
async function tablesInView(page: Page): Promise<{ scrolling: number; lastColumnHidden: number }> {
  return page.evaluate(() => {
    const boxes = Array.from(document.querySelectorAll('.table-scroll'));
    const hidden = (box: PageElement) => {
      const right = box.querySelector('th:last-child')?.getBoundingClientRect().right ?? 0;
      return right > Math.min(box.getBoundingClientRect().right, window.innerWidth);
    };
    return {
      scrolling: boxes.filter((box) => box.scrollWidth > box.clientWidth).length,
      lastColumnHidden: boxes.filter(hidden).length,
    };
  });
}

/** Nothing sticks out sideways: the page reads without horizontal scrolling. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}
