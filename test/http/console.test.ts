// The operator console, server side: sign-in and its cookie, CSRF, roles, portfolio scoping, escaping, and that no
// code or PIN ever comes back in a response. Real journeys on the dev server, against the Graph sandbox.
import { readFileSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JourneyHandle } from '../support/harness.js';
import { useBench } from '../support/bench.js';
import { timelineSchema } from '../../src/audit/index.js';
import { consoleKey, csrfToken } from '../../src/http/console/csrf.js';
import {
  CONSOLE_SECRET,
  ConsoleClient,
  consoleApp,
  csrfOf,
  hiddenFieldsOf,
  postForms,
  signedInClient,
  tagOf,
  type ConsoleApp,
} from '../support/console.js';
import { freshId } from '../support/journeys.js';
import { leaked } from '../support/secrets-scan.js';
import { submitDeliveredCode } from '../support/steps.js';

const OPERATOR = 'operator@acme';
const AUDITOR = 'auditor@acme';
const ELSEWHERE = 'operator@elsewhere';
const AUDITOR_ELSEWHERE = 'auditor@elsewhere';
const SCRIPTED = '<script>alert("who")</script>';
const DISPLAY_NAME = 'Acme <script>alert(1)</script>';

describe('the operator console (dev server + Graph sandbox)', () => {
  const t = useBench('dev');
  let consoleUnderTest: ConsoleApp;
  let app: FastifyInstance;
  let journey: JourneyHandle;
  let e164: string;
  let page: string;

  beforeAll(async () => {
    consoleUnderTest = await consoleApp(t.bench, [
      { name: OPERATOR, roles: ['operator'], portfolios: [t.bench.portfolioId] },
      { name: AUDITOR, roles: ['auditor'] },
      { name: ELSEWHERE, roles: ['operator'], portfolios: [freshId()] },
      { name: AUDITOR_ELSEWHERE, roles: ['auditor'], portfolios: [freshId()] },
      { name: SCRIPTED, roles: ['operator'] },
    ]);
    app = consoleUnderTest.app;
    await t.bench.run(async () => {
      const input = t.bench.input({ displayName: DISPLAY_NAME });
      journey = await t.bench.start(input);
      e164 = input.phoneNumber.e164;
      page = `/journeys/${encodeURIComponent(e164)}`;
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The answer at the top of a page. */
  const outcomeOf = (body: string) => /<p\s[^>]*\bid="outcome"[\s\S]*?<\/p>/.exec(body)?.[0] ?? 'no outcome';
  const signedIn = (name: string) => signedInClient(app, consoleUnderTest.tokens[name] as string);
  const latestCode = async () =>
    t.bench.sandbox.admin.latestCode((await journey.view()).phoneNumberId as string) as string;

  it('sends a visitor without a session to the sign-in page, and back to the page asked for once signed in', async () => {
    const visitor = new ConsoleClient(app);
    const list = await visitor.get('/');
    expect(list.statusCode).toBe(303);
    expect(list.headers.location).toBe('/sign-in');
    const signIn = await visitor.get('/sign-in');
    expect(signIn.statusCode).toBe(200);
    expect(tagOf(signIn.body, 'token')).toMatch(/ name="token" type="password" autocomplete="current-password"/);
    const toPage = (await visitor.get(page)).headers.location as string;
    expect(toPage).toBe(`/sign-in?next=${encodeURIComponent(page)}`);
    const form = await visitor.get(toPage);
    const token = consoleUnderTest.tokens[OPERATOR] as string;
    const signedIn = await visitor.post('/sign-in', { csrf: csrfOf(form.body, '/sign-in'), token, next: page });
    expect(signedIn.headers.location).toBe(page); // back where the visitor was going
    // Only to a page of this service, never to another site.
    expect((await visitor.get('/sign-in?next=//evil.example/')).headers.location).toBe('/');
    expect((await visitor.get('/sign-in?next=/%5Cevil.example/')).headers.location).toBe('/');
    // A browser drops a tab or a line break from a URL: "/\t/host" is "//host" to it.
    expect((await visitor.get('/sign-in?next=%2F%09%2Fevil.example%2F')).headers.location).toBe('/');
    expect((await visitor.get('/sign-in?next=%2F%0A%2Fevil.example%2F')).headers.location).toBe('/');
    for (const dotted of ['/.//evil.example/', '/%2e//evil.example/', '/a/..//evil.example/']) {
      expect((await visitor.get(`/sign-in?next=${encodeURIComponent(dotted)}`)).headers.location, dotted).toBe('/');
    }
  });

  it('signs in with a good token: an httpOnly, SameSite=Strict, Secure cookie on Path=/ that holds no token', async () => {
    const client = new ConsoleClient(app);
    const answer = await client.signIn(consoleUnderTest.tokens[OPERATOR] as string);
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/');
    const session = answer.cookies.find((c) => c.name === 'numberflow_session');
    // Kept a week past the session's signed 12 hours, so that a page asked for then says the session ended.
    const maxAge = 12 * 3600 + 7 * 24 * 3600;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: true, maxAge });
    expect(session?.value).not.toContain(consoleUnderTest.tokens[OPERATOR]);
    const list = await client.get('/');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(OPERATOR);
  });

  it('says that a session ended when its cookie no longer signs anyone in, and clears it', async () => {
    // The browser's cookie of a session signed in 13 hours ago (a week's cookie: still sent, its 12 hours over).
    const client = new ConsoleClient(app);
    const token = consoleUnderTest.tokens[OPERATOR] as string;
    vi.useFakeTimers({ now: Date.now() - 13 * 3600 * 1000, toFake: ['Date'] });
    try {
      expect((await client.signIn(token)).statusCode).toBe(303);
    } finally {
      vi.useRealTimers();
    }
    const cookie = client.cookieHeader;
    const page = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
    expect(page.statusCode).toBe(303);
    const signIn = await app.inject({ method: 'GET', url: page.headers.location as string, headers: { cookie } });
    expect(signIn.statusCode).toBe(200);
    expect(signIn.body).toContain('Your session has ended (it lasts 12 hours, and ends when its token is removed)');
    expect(signIn.cookies.find((c) => c.name === 'numberflow_session')).toMatchObject({ value: '' });
    // A first visit is only asked to sign in.
    expect((await app.inject({ method: 'GET', url: '/sign-in' })).body).not.toContain('Your session has ended');
  });

  it('refuses a token that is not in the token file, and starts no session', async () => {
    const client = new ConsoleClient(app);
    const answer = await client.signIn('nf_not-a-token-of-this-service');
    expect(answer.statusCode).toBe(401);
    expect(answer.body).toContain('That token is not one of this service');
    expect(answer.body).not.toContain('nf_not-a-token-of-this-service');
    expect(answer.cookies.some((c) => c.name === 'numberflow_session')).toBe(false);
    // Said with the field, in the title, and where the focus lands.
    expect(tagOf(answer.body, 'token')).toContain('aria-describedby="sign-in-problem"');
    expect(tagOf(answer.body, 'token')).toContain('aria-invalid="true"');
    expect(tagOf(answer.body, 'token')).not.toContain('autofocus');
    expect(tagOf(answer.body, 'sign-in-problem')).toContain('autofocus');
    expect(answer.body).toContain('<title>refused · Sign in');
    // One past the form's length (pasted where the field's limit was lifted) is no token either, not a missing one.
    const long = await new ConsoleClient(app).signIn(`nf_${'x'.repeat(600)}`);
    expect(long.statusCode).toBe(401);
    expect(long.body).toContain('That token is not one of this service');
    expect(long.body).not.toContain('Enter your API token');
  });

  it('leaves out Secure only over plain http on a loopback address, with no TLS proxy in front', async () => {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const form = await fetch(`${url}/sign-in`);
    const nonce = form.headers.getSetCookie()[0]?.split(';')[0] as string;
    const answer = await fetch(`${url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: nonce, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: csrfOf(await form.text(), '/sign-in'),
        token: consoleUnderTest.tokens[OPERATOR] as string,
      }).toString(),
    });
    expect(answer.status).toBe(303);
    const session = answer.headers.getSetCookie().find((c) => c.startsWith('numberflow_session='));
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).not.toMatch(/; Secure/);
    const proxied = await fetch(`${url}/sign-in`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.headers.getSetCookie()[0]).toMatch(/; Secure/); // a TLS proxy in front on the same host
    const chained = await fetch(`${url}/sign-in`, { headers: { 'x-forwarded-proto': 'https, http' } });
    expect(chained.headers.getSetCookie()[0]).toMatch(/; Secure/); // one per hop of a chain: any https
  });

  it('refuses a form without its CSRF token, or with another form’s, and sends nothing', async () => {
    const operator = await signedIn(OPERATOR);
    const code = '123456'; // refused before the journey is asked: any code does
    const stranger = new ConsoleClient(app);
    const token = consoleUnderTest.tokens[OPERATOR] as string;
    // Without the form's nonce cookie (another site's form, or a form left open past its hour): the form again, saying
    // so, and no session.
    const unbound = await stranger.post('/sign-in', { token });
    expect(unbound.statusCode).toBe(403);
    expect(unbound.body).toContain('This sign-in form was opened more than 60 minutes ago, in another browser');
    expect(tagOf(unbound.body, 'token')).not.toContain('aria-invalid'); // the form was old, not the token wrong
    expect(unbound.body).not.toContain(token);
    expect(stranger.session).toBeUndefined();
    await t.bench.run(async () => {
      const without = await operator.post(`${page}/otp`, { code });
      expect(without.statusCode).toBe(403);
      expect(without.body).toContain('CSRF token is missing or wrong');
      expect(without.body).toContain(`<a href="${page}">Back to the journey</a>`);
      const journeyPage = (await operator.get(page)).body;
      const another = await operator.post(`${page}/otp`, { csrf: csrfOf(journeyPage, `${page}/resend`), code });
      expect(another.statusCode).toBe(403);
      const view = await journey.view();
      expect(view.stage).toBe('AWAITING_OTP');
      expect(view.attempts.wrongCodes).toBe(0);
    });
  });

  it('lists the journey awaiting a code under its portfolio, and keeps it from another portfolio’s principal', async () => {
    const operator = await signedIn(OPERATOR);
    const list = await operator.get('/?stage=AWAITING_OTP');
    expect(list.body).toContain(`<h2 id="portfolio-${t.bench.portfolioId}">`);
    expect(list.body).toContain(`href="${page}"`);
    // A filter it cannot take: the page again, saying why, with the portfolio as typed to correct in place.
    // A link typed by hand to a number's page: its "+" arrives as a space, and still means "+".
    const typed = await operator.get(`/journeys?number=${e164}`);
    expect(typed.statusCode).toBe(303);
    expect(typed.headers.location).toBe(page);
    // Its digits alone, as a wa_id is written, are the number too.
    const digits = await operator.get(`/journeys?number=${e164.slice(1)}`);
    expect(digits.statusCode).toBe(303);
    expect(digits.headers.location).toBe(page);
    // One that is no number is refused, kept in the field to correct; none at all says how to write one.
    const notANumber = await operator.get(`/journeys?number=${encodeURIComponent('+1 415 CALL NOW')}`);
    expect(notANumber.statusCode).toBe(400);
    expect(tagOf(notANumber.body, 'go-number')).toContain('value="+1 415 CALL NOW" aria-invalid="true"');
    // A mistyped link to a number's page is answered the same way, not in the API's words.
    const mistyped = await operator.get(`/journeys/${encodeURIComponent('+19995550100')}`);
    expect(mistyped.statusCode).toBe(400);
    expect(mistyped.body).toContain('<h1>Not a number</h1>');
    expect(mistyped.body).toContain('That number &quot;+19995550100&quot; is not a valid number');
    expect(mistyped.body).not.toContain('the request is not valid');
    expect(tagOf(mistyped.body, 'go-number')).toContain('value="+19995550100" aria-invalid="true"');
    const empty = await operator.get('/journeys?number=');
    expect(empty.body).toContain('No number was given: type one in international form, e.g. +14155552671.');
    expect(tagOf(empty.body, 'go-number')).not.toContain('value=');
    const refused = await operator.get('/?stage=NOPE&portfolio=12ab');
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(
      /<strong>refused:<\/strong> stage: must be one of .*; portfolio: must be a numeric Graph id/,
    );
    expect(refused.body).toContain('Nothing was listed: correct the filter above.'); // not "no journey waits"
    expect(refused.body).not.toContain('No journey is waiting for a person.');
    expect(tagOf(refused.body, 'portfolio')).toContain('value="12ab"');
    expect(tagOf(refused.body, 'portfolio')).toContain('aria-invalid="true" aria-describedby="outcome"');
    expect(tagOf(refused.body, 'outcome')).toContain('tabindex="-1" autofocus'); // takes the focus, as a problem page
    // A valid stage stays chosen; a portfolio that was fine is not marked.
    const stageKept = await operator.get('/?stage=AWAITING_PIN&portfolio=12ab');
    expect(stageKept.body).toContain('<option value="AWAITING_PIN"  selected>');
    const stageOnly = await operator.get('/?stage=NOPE');
    expect(tagOf(stageOnly.body, 'portfolio')).not.toContain('aria-invalid');
    const elsewhere = await signedIn(ELSEWHERE);
    expect((await elsewhere.get('/')).body).not.toContain(e164);
    await t.bench.run(async () => {
      const hidden = await elsewhere.get(page);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.body).toContain(`no journey for ${e164}`);
      expect(hidden.body).not.toContain(t.bench.wabaId);
    });
  });

  it("shows the portfolio's cap, the numbers holding its slots and its queue, and keeps it from another portfolio's principal", async () => {
    const operator = await signedIn(OPERATOR);
    const portfolioPage = `/portfolios/${t.bench.portfolioId}`;
    expect((await operator.get('/')).body).toContain(`href="${portfolioPage}"`); // linked from the list
    await t.bench.run(async () => {
      expect((await operator.get(page)).body).toContain(`href="${portfolioPage}"`); // and from the journey's page
      const shown = await operator.get(portfolioPage);
      expect(shown.statusCode).toBe(200);
      expect(shown.body).toContain(`<h1>Portfolio ${t.bench.portfolioId}</h1>`);
      // The bench's portfolio has its cap from Meta's webhook.
      expect(shown.body).toMatch(
        /<dt>Cap<\/dt>\s*<dd>1000 registered numbers, from Meta&#39;s business_capability_update/,
      );
      expect(shown.body).toContain(`<a href="${page}">${e164}</a>`); // its journey holds a slot
      const elsewhere = await signedIn(ELSEWHERE);
      const hidden = await elsewhere.get(portfolioPage);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.body).toContain(`no portfolio ${t.bench.portfolioId}`);
      expect(hidden.body).not.toContain(e164);
      const unknown = await operator.get('/portfolios/900000000000002');
      expect(unknown.statusCode).toBe(404); // within its portfolios: none such
      expect((await operator.get('/portfolios/12ab')).statusCode).toBe(400);
    });
  });

  it('shows an auditor the journey and no form that acts on it', async () => {
    const auditor = await signedIn(AUDITOR);
    await t.bench.run(async () => {
      const answer = await auditor.get(page);
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toContain('<code data-stage-code>AWAITING_OTP</code>');
      expect(postForms(answer.body)).toEqual(['/sign-out']);
      expect(answer.body).toContain('acting needs the operator or admin role');
    });
  });

  it('links an auditor to the timeline: who did what as a printable page, and as JSON or Markdown to save', async () => {
    const auditor = await signedIn(AUDITOR);
    const operator = await signedIn(OPERATOR);
    await t.bench.run(async () => {
      const other = await t.bench.start(t.bench.input({ displayName: DISPLAY_NAME }));
      const { e164: number, phoneNumberId } = await other.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const wrong = code === '000000' ? '111111' : '000000';
      const otherPage = `/journeys/${encodeURIComponent(number)}`;
      const timelinePage = `${otherPage}/timeline`;
      expect((await operator.submit(otherPage, `${otherPage}/otp`, { code: wrong })).body).toContain(
        'code wrong, 2 attempts left',
      );

      expect((await auditor.get(otherPage)).body).toContain(`<a href="${timelinePage}">Timeline</a>`);
      const timeline = await auditor.get(timelinePage);
      expect(timeline.statusCode).toBe(200);
      expect(timeline.headers['cache-control']).toBe('no-store');
      expect(timeline.body).toContain(`<h1>Audit of ${number}</h1>`);
      // Each run's table is a region of its own name, captioned: not a second landmark named as its section.
      expect(timeline.body).toContain(`role="region" aria-label="Run 1's entries"`);
      expect(timeline.body).toMatch(/<caption class="visually-hidden">\s*Run 1's entries, oldest first\s*<\/caption>/);
      expect(timeline.body).toMatch(
        /<td data-label="who">operator@acme<\/td>\s*<td data-label="what">submitted a code \(update\)<\/td>\s*<td data-label="outcome">refused: code wrong, 2 attempts left<\/td>/,
      );
      expect(timeline.body).toContain('&quot;Acme &lt;script&gt;alert(1)&lt;/script&gt;&quot;');
      expect(timeline.body).not.toContain('<script>alert');
      expect(postForms(timeline.body)).toEqual(['/sign-out']);
      expect(timeline.body).toContain(`href="${timelinePage}?format=json"`);

      const json = await auditor.get(`${timelinePage}?format=json`);
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json.headers['content-disposition']).toBe(`attachment; filename="audit-${number.slice(1)}.json"`);
      expect(timelineSchema.parse(json.json())).toMatchObject({ e164: number });
      const markdown = await auditor.get(`${timelinePage}?format=markdown`);
      expect(markdown.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(markdown.body).toContain('| operator@acme | submitted a code (update) |');
      for (const answer of [timeline, json, markdown]) expect(leaked(answer.body, [code, wrong])).toEqual([]);

      // An operator does not audit: no link, and the page is refused. A principal of another portfolio sees none.
      expect((await operator.get(otherPage)).body).not.toContain(timelinePage);
      const refused = await operator.get(timelinePage);
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('this needs the auditor or admin role; operator@acme has operator');
      const elsewhere = await (await signedIn(AUDITOR_ELSEWHERE)).get(timelinePage);
      expect(elsewhere.statusCode).toBe(404);
      expect(elsewhere.body).not.toContain(t.bench.wabaId);
      await t.env.client.workflow.getHandle(other.workflowId).terminate('test done');
    });
  });

  it('refuses an action the principal’s roles do not allow, even with a valid CSRF token', async () => {
    const auditor = await signedIn(AUDITOR);
    // No page gives an auditor this form; the token is made as the console would make it for one.
    const csrf = csrfToken(consoleKey(CONSOLE_SECRET, 'csrf'), auditor.session as string, `${e164}/otp`);
    await t.bench.run(async () => {
      const answer = await auditor.post(`${page}/otp`, { csrf, code: '123456' });
      expect(answer.statusCode).toBe(403);
      expect(answer.body).toContain('this needs the operator or admin role; auditor@acme has auditor');
      expect((await journey.view()).attempts.wrongCodes).toBe(0);
    });
  });

  it('escapes what it shows: a display name and a principal name holding <script>', async () => {
    const scripted = await signedIn(SCRIPTED);
    await t.bench.run(async () => {
      const answer = await scripted.get(page);
      expect(answer.statusCode).toBe(200);
      expect(answer.body).not.toContain('<script>alert');
      expect(answer.body).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(answer.body).toContain('&lt;script&gt;alert(&quot;who&quot;)&lt;/script&gt;');
      expect(answer.headers['content-security-policy']).toBe(
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
    });
  });

  it('shows a wrong code refused with the attempts left, never echoes it, and stores no page', async () => {
    const operator = await signedIn(OPERATOR);
    await t.bench.run(async () => {
      const code = await latestCode();
      const wrong = code === '000000' ? '111111' : '000000';
      const answer = await operator.submit(page, `${page}/otp`, { code: wrong });
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toContain('code wrong, 2 attempts left');
      expect(answer.body).not.toMatch(new RegExp(`(?<!\\d)${wrong}(?!\\d)`));
      const field = tagOf(answer.body, 'code');
      expect(field).toMatch(/ name="code" inputmode="numeric" autocomplete="one-time-code"/);
      expect(field).not.toContain('value=');
      expect(answer.headers['cache-control']).toBe('no-store');
      const invalid = await operator.submit(page, `${page}/otp`, { code: '12345' });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.body).toContain('the code must be 6 digits, got 5');
      expect(invalid.body).not.toMatch(/(?<!\d)12345(?!\d)/);
    });
  });

  it('answers a form posted again (a reload without JavaScript) as first, acting once; refuses a forged submission id', async () => {
    const operator = await signedIn(OPERATOR);
    await t.bench.run(async () => {
      const again = await t.bench.start(t.bench.input());
      const { e164: number, phoneNumberId } = await again.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const at = `/journeys/${encodeURIComponent(number)}`;
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const wrong = code === '000000' ? '111111' : '000000';
      const form = (await operator.get(at)).body;
      const posted = { ...hiddenFieldsOf(form, `${at}/otp`), code: wrong };
      expect(posted.submission).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const first = await operator.post(`${at}/otp`, posted);
      expect(outcomeOf(first.body)).toContain('code wrong, 2 attempts left');
      // The reload posts the same form again: the same answer, and no attempt spent.
      const reload = await operator.post(`${at}/otp`, posted);
      expect(reload.statusCode).toBe(200);
      expect(outcomeOf(reload.body)).toBe(outcomeOf(first.body));
      expect((await again.view()).attempts.wrongCodes).toBe(1);
      // A resend (answered at once) posted again: one code asked of Meta, the same answer.
      const resend = { ...hiddenFieldsOf(form, `${at}/resend`), method: 'SMS' };
      const asked = await operator.post(`${at}/resend`, resend);
      expect(outcomeOf((await operator.post(`${at}/resend`, resend)).body)).toBe(outcomeOf(asked.body));
      // Answered before Meta is asked: the count is read once the journey awaits the new code.
      const asked2 = await again.until(
        (v) => v.stage === 'AWAITING_OTP' && v.attempts.codeRequests >= 2,
        'the resend asked Meta',
      );
      expect(asked2.attempts.codeRequests).toBe(2);
      // Another code typed in the same page's form (a page the browser kept) is a submission of its own.
      const other = await operator.post(`${at}/otp`, { ...posted, code: wrong === '000000' ? '222222' : '333333' });
      expect(other.body).toContain('1 attempt left');
      // A forged submission id is refused and sends nothing; a form without one (a page from before) is sent.
      const forged = await operator.post(`${at}/otp`, { ...posted, submission: 'not/one' });
      expect(forged.statusCode).toBe(400);
      expect(forged.body).toContain('submission id is not one this console makes');
      expect(forged.body).toContain(`href="${at}"`);
      expect((await again.view()).attempts.wrongCodes).toBe(2);
      const { submission: _older, ...fromBefore } = posted;
      expect((await operator.post(`${at}/otp`, fromBefore)).body).toContain('no attempts left');
      expect((await again.view()).stage).not.toBe('AWAITING_OTP');
    });
  });

  it("refuses a form of the number's journey that ended, posted again once another began, sending nothing", async () => {
    const operator = await signedIn(OPERATOR);
    await t.bench.run(async () => {
      const input = t.bench.input();
      const first = await t.bench.start(input);
      const { e164: number } = await first.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const at = `/journeys/${encodeURIComponent(number)}`;
      const form = (await operator.get(at)).body;
      const posted = { ...hiddenFieldsOf(form, `${at}/otp`), code: '000000' };
      expect(posted.journey).toMatch(/^[0-9a-f-]{36}$/);
      await t.env.client.workflow.getHandle(first.workflowId).terminate('wrong number');
      const next = await t.bench.start(input); // the number's next journey
      await next.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const stale = await operator.post(`${at}/otp`, posted);
      expect(stale.statusCode).toBe(409);
      expect(outcomeOf(stale.body)).toContain(`this page was for an earlier journey of ${number}, which has ended`);
      expect((await next.view()).attempts.wrongCodes).toBe(0);
      // The page it answers with is the journey's now: its forms are for it.
      const current = await operator.post(`${at}/otp`, { ...hiddenFieldsOf(stale.body, `${at}/otp`), code: '000000' });
      expect(outcomeOf(current.body)).toContain('code wrong, 2 attempts left');
      await t.env.client.workflow.getHandle(next.workflowId).terminate('test done');
    });
  });

  it('asks for the PIN in a password field and never echoes it, refused or accepted', async () => {
    const operator = await signedIn(OPERATOR);
    await t.bench.run(async () => {
      const choosing = await t.bench.start(t.bench.input({ pinPolicy: 'operator' }));
      await submitDeliveredCode(t.bench, choosing);
      const { e164: number } = await choosing.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
      const pinPage = `/journeys/${encodeURIComponent(number)}`;
      const form = await operator.get(pinPage);
      // Chosen here: typed twice, never offered to a password manager (the number's PIN is not the operator's).
      for (const name of ['pin', 'pinRepeat']) {
        const field = tagOf(form.body, name);
        expect(field).toMatch(new RegExp(` name="${name}" type="password" inputmode="numeric" autocomplete="off"`));
        expect(field).not.toContain('value=');
      }
      expect(form.body).toContain('New two-step PIN');
      expect(form.headers['cache-control']).toBe('no-store');
      const refused = await operator.submit(pinPage, `${pinPage}/pin`, { pin: '86420', pinRepeat: '86420' });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('the two-step PIN must be exactly 6 digits');
      expect(refused.body).not.toMatch(/(?<!\d)86420(?!\d)/);
      // Without its repeat (a page from before, a script), a chosen PIN is refused as well.
      const unrepeated = await operator.submit(pinPage, `${pinPage}/pin`, { pin: '864209' });
      expect(unrepeated.statusCode).toBe(400);
      expect(unrepeated.body).toContain(
        'nothing was sent: the journey now asks, in the form below, for a new PIN, typed twice',
      );
      const differ = await operator.submit(pinPage, `${pinPage}/pin`, { pin: '864209', pinRepeat: '864290' });
      expect(differ.statusCode).toBe(400);
      expect(differ.body).toContain('the two PINs differ: type the same 6 digits in both; nothing was sent');
      expect(tagOf(differ.body, 'pinRepeat')).toContain('aria-invalid="true"');
      expect(differ.body).not.toMatch(/86429\d/);
      // A cancel needs its box ticked: an Enter in its reason alone sends nothing that cannot be undone.
      const unticked = await operator.submit(pinPage, `${pinPage}/cancel`, { reason: 'wrong number' });
      expect(unticked.statusCode).toBe(400);
      expect(unticked.body).toContain('tick the box to say that you know it cannot be undone');
      expect(tagOf(unticked.body, 'cancel-confirm')).toContain('aria-invalid="true"');
      expect((await choosing.view()).stage).toBe('AWAITING_PIN');
      const accepted = await operator.submit(pinPage, `${pinPage}/pin`, { pin: '864209', pinRepeat: '864209' });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.body).toContain('PIN accepted, number registered');
      expect(accepted.body).not.toMatch(/(?<!\d)864209(?!\d)/);
      await t.env.client.workflow.getHandle(choosing.workflowId).terminate('test done');
    });
  });

  it('answers a browser’s unknown path with a page that leads back to `/`, and the API’s paths and JSON clients with JSON', async () => {
    const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    const visitor = await app.inject({ method: 'GET', url: '/nope?x=1', headers: browser });
    expect(visitor.statusCode).toBe(404);
    expect(visitor.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(visitor.headers['content-security-policy']).toContain("default-src 'self'");
    expect(visitor.body).toContain('<h1>Not found</h1>');
    expect(visitor.body).toContain('/nope');
    expect(visitor.body).toContain('<a href="/">');
    expect(visitor.body).toContain('<a href="/sign-in">Sign in</a>');
    const marked = await app.inject({ method: 'GET', url: '/x"<b>y', headers: browser });
    expect(marked.statusCode).toBe(404);
    expect(marked.body).not.toContain('<b>y');
    expect(marked.body).toContain('There is no page at /x%22%3Cb%3Ey.');
    // Signed in, the page says who (as every console page does), under a journey's path too.
    const operator = await signedIn(OPERATOR);
    const bogus = await operator.get(`${page}/bogus`);
    expect(bogus.statusCode).toBe(404);
    expect(bogus.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(bogus.body).toContain(`${page}/bogus`);
    expect(bogus.body).toContain(OPERATOR);
    expect(bogus.body).toContain('<a href="/">');
    // The API's paths, whatever the client accepts, and a client asking for JSON keep the service's error.
    for (const [url, accept] of [
      ['/v1/nope', browser.accept],
      ['/v1/journeys/%2B14155552674/bogus', browser.accept],
      ['/codec/nope', browser.accept],
      ['/webhooks/nope', browser.accept],
      ['/nope', 'application/json'],
    ] as const) {
      const answer = await app.inject({ method: 'GET', url, headers: { accept } });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.headers['content-type'], url).toBe('application/json; charset=utf-8');
      expect(answer.json(), url).toEqual({
        error: { code: 'not_found', message: `no route GET ${url}`, problems: [] },
      });
    }
    const posted = await app.inject({ method: 'POST', url: '/nope', headers: browser });
    expect(posted.json()).toMatchObject({ error: { code: 'not_found', message: 'no route POST /nope' } });
  });

  it('signs out, and a token removed from the token file ends its sessions', async () => {
    const operator = await signedIn(OPERATOR);
    const out = await operator.post('/sign-out', { csrf: csrfOf((await operator.get('/')).body, '/sign-out') });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/sign-in');
    expect(out.cookies.find((c) => c.name === 'numberflow_session')?.maxAge).toBe(0);
    expect((await operator.get('/')).headers.location).toBe('/sign-in');

    const auditor = await signedIn(AUDITOR);
    expect((await auditor.get('/')).statusCode).toBe(200);
    writeFileSync(consoleUnderTest.tokenFile, JSON.stringify({ principals: [] }));
    let answer = await auditor.get('/');
    for (let i = 0; i < 100 && answer.statusCode === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the token file is looked at once a second
      answer = await auditor.get('/');
    }
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/sign-in');
    // A form sent after the session ended: nothing is done, and signing in again leads back to its journey.
    const refused = await auditor.post(`${page}/otp`, { code: '123456', csrf: 'stale' });
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain(`<a href="/sign-in?next=${encodeURIComponent(page)}">Sign in</a>`);
  });

  it('streams a journey’s events to its session only, and lets the service close while a page follows one', async () => {
    const LEAVING = 'leaving@test';
    const {
      app: service,
      tokens,
      tokenFile,
    } = await consoleApp(t.bench, [
      { name: OPERATOR, roles: ['operator'] },
      { name: LEAVING, roles: ['operator'] },
    ]);
    const url = await service.listen({ host: '127.0.0.1', port: 0 });
    const [operator, leaving] = [new ConsoleClient(service), new ConsoleClient(service)];
    await operator.signIn(tokens[OPERATOR] as string);
    await leaving.signIn(tokens[LEAVING] as string);
    const follow = async (client: ConsoleClient) => {
      const stream = await fetch(`${url}${page}/events`, { headers: { cookie: client.cookieHeader } });
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain('event: view');
      expect(first).toContain('"stage":"AWAITING_OTP"');
      return reader;
    };
    await t.bench.run(async () => {
      expect((await fetch(`${url}${page}/events`)).status).toBe(401);
      const reader = await follow(operator);
      // A session whose token is removed from the file: its open stream ends, saying nothing more.
      const leavingReader = await follow(leaving);
      const file = JSON.parse(readFileSync(tokenFile, 'utf8')) as { principals: { name: string }[] };
      const kept = file.principals.filter((entry) => entry.name !== LEAVING);
      writeFileSync(tokenFile, JSON.stringify({ principals: kept }));
      // Keep-alive comments may still come before the end (the file is read each second); no event does.
      let after = '';
      for (let chunk = await leavingReader.read(); !chunk.done; chunk = await leavingReader.read()) {
        after += new TextDecoder().decode(chunk.value);
      }
      expect(after).not.toContain('event:');
      const closed = service.close().then(() => 'closed');
      const stuck = new Promise((resolve) => setTimeout(() => resolve('still open after 20 s'), 20_000));
      expect(await Promise.race([closed, stuck])).toBe('closed');
      await reader.cancel().catch(() => undefined);
    });
  });
});
