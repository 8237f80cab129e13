// The console's pages as functions of a view: escaping by default, what a refused form keeps, what a role sees.
import { describe, expect, it } from 'vitest';
import { REMOVAL_BLOCKED, type JourneyView } from '../../src/domain/journey.js';
import type { Principal } from '../../src/http/auth/principals.js';
import { html, toText } from '../../src/http/console/html.js';
import { time } from '../../src/http/console/labels.js';
import { CUSTOMERS_SHOWN } from '../../src/http/console/pages/identities.js';
import { journeyPolicy } from '../../src/domain/policy.js';
import { journeyPage } from '../../src/http/console/pages/journey.js';
import { problemPage } from '../../src/http/console/pages/problem.js';
import { portfolioPage } from '../../src/http/console/pages/portfolio.js';
import { queuePage } from '../../src/http/console/pages/queue.js';
import { journeyPathIn } from '../../src/http/console/paths.js';
import { leadsTo } from '../../src/http/console/routes/journey.js';
import type { PageContext } from '../../src/http/console/pages/layout.js';
import { tagOf } from '../support/console.js';
import { journeyView, metaError, retriedCall } from '../support/journey-view.js';

const operator: Principal = { name: 'operator@acme', roles: ['operator'], portfolios: null };
const admin: Principal = { name: 'admin@acme', roles: ['admin'], portfolios: null };
const contextOf = (principal: Principal): PageContext => ({
  principal,
  csrf: (action) => `token-for-${action}`,
  submission: 'a-submission-of-22char',
});
/** A page's text as read: tags dropped, entities decoded, whitespace collapsed. */
const textOf = (page: string) =>
  page
    .replace(/<[^>]*>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const deletionWait: JourneyView['waiting'] = {
  for: 'admin',
  reason: 'a portfolio admin must delete the number in WhatsApp Manager → Phone numbers, then confirm',
  until: null,
};
// As removal.ts words a blocked removal's wait (REMOVAL_BLOCKED, then Meta's restriction).
const blockedWait: JourneyView['waiting'] = {
  for: 'admin',
  reason: `${REMOVAL_BLOCKED}: Meta restricted the account (RESTRICTED_ADD_PHONE_NUMBER_ACTION). Resolve it, then request the removal again.`,
  until: null,
};

describe('the console’s markup', () => {
  it('escapes every interpolated value, and nested markup made by the same template only', () => {
    const name = '<img src=x onerror=alert(1)> & "quoted" \'too\'';
    expect(toText(html`<p title="${name}">${name}${html`<b>${'<i>'}</b>`}</p>`)).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;too&#39;">' +
        '&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;too&#39;<b>&lt;i&gt;</b></p>',
    );
    // prettier-ignore
    const list = html`<ul>${['<a>', html`<li>ok</li>`, null, false, undefined, 3]}</ul>`;
    expect(toText(list)).toBe('<ul>&lt;a&gt;<li>ok</li>3</ul>');
  });

  it('renders a display name, a note and a Meta error holding <script> as text', () => {
    const page = toText(
      journeyPage(
        contextOf(operator),
        journeyView({
          displayName: { current: '<script>alert(1)</script>', pending: null, status: 'APPROVED' },
          notes: [{ at: '2026-12-02T14:00:00.000Z', actor: '<script>x</script>', what: '</li><script>y</script>' }],
        }),
      ),
    );
    expect(page).not.toMatch(/<script>(?!<)/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;/li&gt;&lt;script&gt;y&lt;/script&gt;');
  });

  it("gives a Meta error's advice while the journey goes on, not once it has ended", () => {
    const lastError = metaError();
    const running = toText(journeyPage(contextOf(operator), journeyView({ lastError })));
    expect(running).toContain('numberflow retries with backoff');
    const result = {
      outcome: 'CANCELLED',
      reasonCode: 'CANCELLED_BY_OPERATOR',
      reason: 'cancelled by ops',
      remediation: 'start a new journey',
      actor: 'ops',
      metaError: null,
    } as const;
    const ended = toText(journeyPage(contextOf(operator), journeyView({ lastError, stage: 'CANCELLED', result })));
    expect(ended).toContain('Something went wrong');
    expect(ended).not.toContain('numberflow retries with backoff');
  });

  it('gives each action form its submission id, which no browser puts back from an earlier page on a reload', () => {
    const page = toText(journeyPage(contextOf(operator), journeyView()));
    const fields = page.match(/<input type="hidden" name="submission"[^>]*>/g) ?? [];
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields)
      expect(field).toBe('<input type="hidden" name="submission" value="a-submission-of-22char" autocomplete="off" />');
  });

  it('shows no form of the stage a pending cancel or removal leaves, which a page without JavaScript kept', () => {
    const view = journeyView(); // AWAITING_OTP
    const pending = { outcome: 'pending' as const, message: 'the cancel is under way', attemptsLeft: null };
    const cancelling = toText(journeyPage(contextOf(operator), view, { outcome: pending, leadsTo: ['CANCELLED'] }));
    expect(cancelling).not.toContain('class="stack action');
    expect(textOf(cancelling)).toContain(
      'The journey goes on to “ended: cancelled”, and the forms of the stage it leaves no longer apply: Refresh to see what you can do then.',
    );
    expect(cancelling).toContain('data-stage="AWAITING_OTP'); // the live script replaces it once the stage moves
    // A resend under way keeps the code's form (the journey waits for a code again); so does a cancel once done.
    const resending = toText(
      journeyPage(contextOf(operator), view, { outcome: pending, leadsTo: ['REQUESTING_CODE', 'AWAITING_OTP'] }),
    );
    expect(resending).toContain('class="stack action');
    const removing = journeyView({ stage: 'REMOVING' });
    const removal = toText(journeyPage(contextOf(admin), removing, { outcome: pending, leadsTo: ['REMOVING'] }));
    expect(textOf(removal)).not.toContain('The journey goes on to');
  });

  it('loads the page script on an ended journey too (it puts back the address a form posted to), following nothing', () => {
    const result = {
      outcome: 'CANCELLED',
      reasonCode: 'CANCELLED_BY_OPERATOR',
      reason: 'cancelled by operator@acme: wrong number',
      remediation: 'start a new journey',
      actor: 'operator@acme',
      metaError: null,
    } as const;
    const ended = toText(journeyPage(contextOf(operator), journeyView({ stage: 'CANCELLED', result })));
    expect(ended).toContain('<script src="/assets/console.js');
    expect(ended).not.toContain('data-events');
    expect(ended).toContain('data-page="/journeys/%2B14155552671"');
    // The reason names who did it already: said once.
    expect(textOf(ended)).toContain('cancelled by operator@acme: wrong number ');
    expect(textOf(ended)).not.toContain('— by operator@acme');
    const running = toText(journeyPage(contextOf(operator), journeyView()));
    expect(running).toContain('data-events="/journeys/%2B14155552671/events"');
    // A reason that holds the actor's name only inside a word still says who.
    const stops = { ...result, reason: 'cancelled: the rollout stops here', actor: 'ops' };
    const said = textOf(toText(journeyPage(contextOf(operator), journeyView({ stage: 'CANCELLED', result: stops }))));
    expect(said).toContain('the rollout stops here — by ops');
  });

  it("links a refused form's page back to its journey, which an ended one is not listed to reach", () => {
    expect(journeyPathIn('/journeys/%2B14155552671/cancel')).toBe('/journeys/%2B14155552671');
    expect(journeyPathIn('/journeys')).toBeNull();
    const refused = toText(
      problemPage(contextOf(operator), 'Refused', 'the journey has ended', { journey: '/journeys/%2B14155552671' }),
    );
    expect(refused).toContain('<a href="/journeys/%2B14155552671">Back to the journey</a>');
    expect(refused).toContain('<a href="/">Back to the journeys awaiting input</a');
  });

  it("shows Meta's details of its last error, and that Meta's code lasts less than the journey's wait", () => {
    const lastError = metaError({
      code: 136025,
      message: 'Verify code error',
      details: 'code expired: request a new code',
      fbtraceId: null,
      httpStatus: 400,
      errorClass: 'permanent',
      remediation: 'ask for a new code',
    });
    const deadlines = {
      signupExpiresAt: null,
      codeExpiresAt: '2026-12-02T15:14:00.000Z',
      reRegisterBy: null,
      deletionAllowedAt: null,
    };
    const page = textOf(toText(journeyPage(contextOf(operator), journeyView({ lastError, deadlines }))));
    expect(page).toContain('Verify code error — code expired: request a new code');
    expect(page).toContain(
      "Code wait ends 15:14:00 UTC on 2 Dec 2026 (Meta's code itself lasts about 10 minutes from its request)",
    );
  });

  it("says Meta stopped the number's sends, and since when", () => {
    const stop = { event: 'PARTNER_REMOVED', detail: 'PRIMARY_INACTIVITY, by SYSTEM', at: '2025-06-01T11:00:00.000Z' };
    const page = textOf(
      toText(
        journeyPage(
          contextOf(operator),
          journeyView({ stage: 'LIVE', waiting: null, sendsPaused: true, stoppedByMeta: stop }),
        ),
      ),
    );
    expect(page).toContain('Sends paused');
    const flagged = journeyView({ quality: { event: 'FLAGGED', limit: null, at: '2025-06-01T10:00:00.000Z' } });
    expect(textOf(toText(journeyPage(contextOf(operator), flagged)))).toContain(
      'Quality FLAGGED, 10:00:00 UTC on 1 Jun 2025',
    );
    expect(page).toContain(
      'Stopped by Meta PARTNER_REMOVED (PRIMARY_INACTIVITY, by SYSTEM), 11:00:00 UTC on 1 Jun 2025',
    );
  });

  it("isolates the number's name in the heading, so a right-to-left name does not reorder the number beside it", () => {
    const page = toText(
      journeyPage(
        contextOf(operator),
        journeyView({ displayName: { current: 'مطعم 24', pending: null, status: 'APPROVED' } }),
      ),
    );
    expect(page).toMatch(/<h1>\+14155552671 <bdi class="name">مطعم 24<\/bdi><\/h1>/);
  });

  it("says until when Meta's code works, warns once it has expired, and offers no sixth code", () => {
    const awaiting = (codeExpiresAt: string, codeRequests = 1) =>
      textOf(
        toText(
          journeyPage(
            contextOf(operator),
            journeyView({
              stage: 'AWAITING_OTP',
              deadlines: { signupExpiresAt: null, codeExpiresAt, reRegisterBy: null, deletionAllowedAt: null },
              attempts: { ...journeyView().attempts, codeRequests },
            }),
          ),
        ),
      );
    const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const lasting = awaiting(inMinutes(14)); // requested a minute ago: the code works 9 minutes more
    expect(lasting).toMatch(/Meta's latest code works until about \d\d:\d\d:\d\d UTC/);
    expect(lasting).toContain('Send a new code');
    expect(awaiting(inMinutes(2))).toContain('costs an attempt — send a new code first.');
    // Within two minutes of its end either way (this host's clock is not Meta's), neither "works" nor "expired".
    for (const minutes of [4, 6.5]) {
      expect(awaiting(inMinutes(minutes))).toMatch(
        /Meta's latest code stops working about now \( \d\d:\d\d:\d\d UTC on [^)]+\): once it has, it is answered as wrong and costs an attempt — if in doubt, send a new code first\./,
      );
    }
    expect(awaiting(inMinutes(5), 5)).toMatch(/stops working about now .* costs an attempt\.\s/);
    expect(awaiting(inMinutes(7.5))).toMatch(/Meta's latest code works until about \d\d:\d\d:\d\d UTC/);
    const expired = awaiting(inMinutes(2), 5); // requested 13 minutes ago, the fifth code
    expect(expired).toMatch(
      /Meta's latest code expired at about \d\d:\d\d:\d\d UTC on .*: a code sent before then is answered as wrong and costs an attempt — no new code can be asked for: cancel and start again\./,
    );
    expect(expired).not.toContain('Send a new code');
    expect(expired).toContain(
      '5 of 5 codes have been requested, the most a journey asks for: submit the latest code, or cancel and start again.',
    );
  });

  it('offers a number behind an IVR a new code by voice call only, which is all its journey takes', () => {
    const resendOptions = (ivr: boolean) => {
      const page = toText(
        journeyPage(contextOf(operator), journeyView({ stage: 'AWAITING_OTP', ivr, codeMethod: 'VOICE' })),
      );
      const select = /<select id="method"[^>]*>([\s\S]*?)<\/select>/.exec(page)?.[1] ?? '';
      return [...select.matchAll(/<option value="(\w+)"/g)].map((m) => m[1]);
    };
    expect(resendOptions(false)).toEqual(['SMS', 'VOICE']);
    expect(resendOptions(true)).toEqual(['VOICE']);
  });

  it('tells the live script the stages an answer leads to, which it then does not call earlier', () => {
    const pending = (message: string) => ({ outcome: 'pending' as const, message, attemptsLeft: null });
    expect(leadsTo('resend', pending('asking Meta for a new code by VOICE'))).toEqual([
      'REQUESTING_CODE',
      'AWAITING_OTP',
    ]);
    expect(leadsTo('cancel', pending('cancelling'))).toEqual(['CANCELLED']);
    const last = 'code wrong, no attempts left: the journey ends FAILED (OTP_ATTEMPTS_EXHAUSTED)';
    expect(leadsTo('otp', { outcome: 'refused', message: last, attemptsLeft: 0 })).toEqual(['FAILED']);
    expect(leadsTo('otp', { outcome: 'refused', message: 'code wrong, 2 attempts left', attemptsLeft: 2 })).toEqual([]);
    const page = toText(
      journeyPage(contextOf(operator), journeyView(), { outcome: pending('cancelling'), leadsTo: ['CANCELLED'] }),
    );
    expect(tagOf(page, 'outcome')).toContain('data-leads-to="CANCELLED"');
  });

  it('keeps a note’s actor and its text apart in the text a screen reader is told', () => {
    const view = journeyView({
      notes: [{ at: '2026-12-02T14:00:00.000Z', actor: 'operator@local', what: 'submitted the code: verified' }],
    });
    const page = toText(journeyPage(contextOf(operator), view));
    const item = /<ol class="notes"[^>]*>\s*<li>([\s\S]*?)<\/li>/.exec(page)?.[1] ?? '';
    // As the live script reads it (textContent, whitespace collapsed): tags add no space.
    const textContent = item.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ');
    expect(textContent).toContain('operator@local submitted the code: verified');
  });

  it("writes the journey's times and stage codes in an answer, a note and a waiting reason as the page does", () => {
    const page = textOf(
      toText(
        journeyPage(
          contextOf(operator),
          journeyView({
            stage: 'AWAITING_OTP',
            waiting: {
              for: 'operator',
              reason: 'Meta refused a new code; numberflow asks again when its wait ends at 2026-12-05T14:47:15.239Z',
              until: null,
            },
            notes: [
              { at: '2026-12-02T14:00:00.000Z', actor: 'ops@acme', what: 'code expired at 2026-12-02T13:59:00Z' },
            ],
          }),
          {
            outcome: {
              outcome: 'refused',
              message: 'this journey is not waiting for a code (stage VERIFYING_CODE) <b>',
              attemptsLeft: null,
            },
          },
        ),
      ),
    );
    expect(page).toContain('asks again when its wait ends at 14:47:15 UTC on 5 Dec 2026');
    expect(page).toContain('code expired at 13:59 UTC on 2 Dec 2026');
    expect(page).toContain('this journey is not waiting for a code (stage "verifying the code") &lt;b&gt;'); // as text
    expect(page).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });

  it('says which Graph call Temporal retries, as text, and nothing when none is', () => {
    const callUnderWay = retriedCall({ attemptBefore: 'failed: Meta error 131000: <b>wrong</b> (fbtrace_id AbC)' });
    const page = toText(journeyPage(contextOf(operator), journeyView({ stage: 'VERIFYING_CODE', callUnderWay })));
    expect(textOf(page)).toContain(
      'Retrying a call to Meta verify the code ( POST /{phone-number-id}/verify_code ): attempt 2, next attempt at 14:00:03 UTC on 2 Dec 2026 . Attempt 1 failed: Meta error 131000: &lt;b&gt;wrong&lt;/b&gt; (fbtrace_id AbC).',
    );
    expect(page).not.toContain('<b>wrong');
    expect(textOf(toText(journeyPage(contextOf(operator), journeyView())))).not.toContain('Retrying');
  });

  it("lists a live number's untrusted customers, with a confirmation form for those who act on one still untrusted", () => {
    const customers = [
      { phoneNumberId: '1', waId: '15550001111', state: 'untrusted' as const, since: '2026-12-02T14:00:00.000Z' },
      { phoneNumberId: '1', waId: '15550002222', state: 'verifying' as const, since: '2026-12-02T14:05:00.000Z' },
    ].map((c) => ({ ...c, detail: 'Meta answered 137000 <b>', messageId: null }));
    const live = journeyView({ stage: 'LIVE', identityCheck: 'on' });
    const forOperator = toText(journeyPage(contextOf(operator), live, { customers: { customers, total: 2 } }));
    const confirmations = [
      ...forOperator.matchAll(/action="\/journeys\/%2B14155552671\/identities\/(\d+)\/confirmation"/g),
    ];
    expect(confirmations.map((m) => m[1])).toEqual(['15550001111']);
    expect(forOperator).toContain('value="token-for-+14155552671/identities/15550001111/confirmation"');
    expect(forOperator).toContain('Turn the identity check off');
    expect(forOperator).toContain('Meta answered 137000 &lt;b&gt;');
    const auditor: Principal = { name: 'auditor@acme', roles: ['auditor'], portfolios: null };
    const forAuditor = toText(journeyPage(contextOf(auditor), live, { customers: { customers, total: 2 } }));
    expect(forAuditor).toContain('15550002222</strong> · confirmed: waiting for the status');
    expect(forAuditor).not.toContain('/confirmation"');
    expect(toText(journeyPage(contextOf(operator), live, { customers: { customers: [], total: 0 } }))).toContain(
      'None: every customer of this number is trusted.',
    );
    expect(forOperator).not.toContain('more, not shown here');
    expect(
      toText(journeyPage(contextOf(operator), journeyView(), { customers: { customers, total: 2 } })),
    ).not.toContain('15550001111');
  });

  it('shows the latest untrusted customers only, and says how many more there are and where to read them', () => {
    const customers = Array.from({ length: CUSTOMERS_SHOWN }, (_, i) => ({
      phoneNumberId: '1',
      waId: `1555000${String(i).padStart(4, '0')}`,
      state: 'untrusted' as const,
      since: '2026-12-02T14:00:00.000Z',
      detail: '137000',
      messageId: null,
    }));
    const live = journeyView({ stage: 'LIVE', identityCheck: 'on' });
    const page = toText(journeyPage(contextOf(operator), live, { customers: { customers, total: 1234 } }));
    expect([...page.matchAll(/action="[^"]*\/identities\/\d+\/confirmation"/g)]).toHaveLength(CUSTOMERS_SHOWN);
    // Each form and its button name their customer, as the other action forms are named by their button.
    expect(page).toMatch(
      /action="[^"]*\/identities\/15550000007\/confirmation"[^>]*aria-label="Confirm customer 15550000007"/,
    );
    expect(page).toContain('<button type="submit">Confirm customer 15550000007</button>');
    expect(page).toContain(`And ${1234 - CUSTOMERS_SHOWN} more, not shown here`);
    expect(page).toContain('numberflow identity list +14155552671');
    expect(page).toContain('GET /v1/numbers/+14155552671/identities');
    // The live script replaces the section when the count changes, even if the customers shown do not.
    expect(page).toMatch(new RegExp(`data-stage="[^"]* \\+${1234 - CUSTOMERS_SHOWN}"`));
  });

  it('keeps a refused display name in its field and never writes a code back', () => {
    const page = toText(
      journeyPage(contextOf(operator), journeyView({ stage: 'AWAITING_NEW_NAME' }), {
        outcome: { outcome: 'refused', message: 'the display name is too short', attemptsLeft: null },
        kept: { action: 'display-name', invalid: 'displayName', displayName: 'Ac "me"' },
      }),
    );
    expect(tagOf(page, 'displayName')).toContain('value="Ac &quot;me&quot;"');
    // The field the refusal was about says so, described by the outcome first, then its help.
    expect(tagOf(page, 'displayName')).toContain('aria-invalid="true" aria-describedby="outcome name-help"');
    expect(tagOf(page, 'cancel-reason')).not.toContain('aria-invalid');
    expect(tagOf(page, 'outcome')).toMatch(/class="outcome refused" role="status" aria-live="polite"/);
    expect(tagOf(toText(journeyPage(contextOf(operator), journeyView())), 'code')).not.toContain('value=');
  });

  it('offers the forms of the stage, the removal to admins only, and nothing once ended', () => {
    const actions = (page: string) =>
      [...page.matchAll(/action="\/journeys\/%2B14155552671\/([a-z-]+)"/g)].map((m) => m[1]);
    expect(actions(toText(journeyPage(contextOf(operator), journeyView())))).toEqual(['otp', 'resend', 'cancel']);
    expect(actions(toText(journeyPage(contextOf(operator), journeyView({ stage: 'AWAITING_PIN' }))))).toEqual([
      'pin',
      'cancel',
    ]);
    expect(actions(toText(journeyPage(contextOf(operator), journeyView({ stage: 'LIVE' }))))).toEqual([
      'display-name',
      'identity-check',
      'test-message',
    ]);
    expect(actions(toText(journeyPage(contextOf(admin), journeyView({ stage: 'LIVE' }))))).toEqual([
      'display-name',
      'identity-check',
      'test-message',
      'removal',
    ]);
    // A live rename verifying the number again: its code and resend, no cancel (a live number is removed), and the
    // removal that stops the rename to admins.
    const renaming = journeyView({ stage: 'AWAITING_OTP', wentLive: true });
    const whileRenaming = ['otp', 'resend'];
    expect(actions(toText(journeyPage(contextOf(operator), renaming)))).toEqual(whileRenaming);
    // Its fifth code spent, a live number is not told to cancel (it is removed, never cancelled).
    const spent = journeyView({
      stage: 'AWAITING_OTP',
      wentLive: true,
      attempts: { ...journeyView().attempts, codeRequests: journeyPolicy.maxCodeRequests },
    });
    const spentText = textOf(toText(journeyPage(contextOf(operator), spent)));
    expect(spentText).toContain(
      'submit the latest code, or let the display-name change stop and submit the name again',
    );
    expect(spentText).not.toContain('cancel and start again');
    const renamingForAdmin = toText(journeyPage(contextOf(admin), renaming));
    expect(actions(renamingForAdmin)).toEqual([...whileRenaming, 'removal']);
    expect(textOf(renamingForAdmin)).toContain(
      "an admin's removal stops the change (unless its register has gone through already) and removes the number",
    );
    // Once a removal is under way it is not requested again, unless Meta blocked it (the journey takes it then).
    const removing = toText(journeyPage(contextOf(admin), journeyView({ stage: 'REMOVING', waiting: deletionWait })));
    expect(actions(removing)).toEqual(['deletion-confirmation']);
    expect(removing).toContain('The removal is under way');
    const blocked = toText(journeyPage(contextOf(admin), journeyView({ stage: 'REMOVING', waiting: blockedWait })));
    // The journey refuses a deletion confirmation while its removal is blocked: none is offered then.
    expect(actions(blocked)).toEqual(['removal']);
    expect(blocked).toContain('Request the removal again');
    expect(
      actions(toText(journeyPage(contextOf(operator), journeyView({ stage: 'REMOVING', waiting: blockedWait })))),
    ).toEqual([]);
    // Blocked while the removal waits for something else (the paid-message block): the view says so, not the wait.
    const paidBlockUntil = new Date(Date.now() + 86_400_000).toISOString();
    const paidBlock = {
      stage: 'REMOVING' as const,
      waiting: { for: 'meta' as const, reason: 'Meta refuses deletion for 30 days after a paid message', until: null },
      deadlines: { ...journeyView().deadlines, deletionAllowedAt: paidBlockUntil },
    };
    const duringBlock = journeyView({
      ...paidBlock,
      removalBlocked: { reason: 'Meta restricted the account (RESTRICTED_ADD_PHONE_NUMBER_ACTION)', remediation: 'x' },
    });
    expect(actions(toText(journeyPage(contextOf(admin), duringBlock)))).toEqual(['removal']);
    // Where it stands names the block, which is not the removal's wait then.
    expect(textOf(toText(journeyPage(contextOf(admin), duringBlock)))).toContain(
      'Removal blocked: Meta restricted the account (RESTRICTED_ADD_PHONE_NUMBER_ACTION). x',
    );
    // Meta's paid-message block: the confirmation is offered once it has ended, and the page says when.
    const waitingOutBlock = toText(journeyPage(contextOf(admin), journeyView(paidBlock)));
    expect(actions(waitingOutBlock)).toEqual([]);
    // Written as the page writes its times, not as an ISO stamp.
    expect(textOf(waitingOutBlock)).toContain(
      `Meta refuses to delete the number until ${textOf(toText(time(paidBlockUntil, { seconds: true }))).trim()}`,
    );
    expect(textOf(waitingOutBlock)).toMatch(/until \d\d:\d\d:\d\d UTC on /);
    const blockEnding = (inMs: number) =>
      toText(
        journeyPage(
          contextOf(admin),
          journeyView({
            ...paidBlock,
            waiting: deletionWait,
            deadlines: { ...journeyView().deadlines, deletionAllowedAt: new Date(Date.now() + inMs).toISOString() },
          }),
        ),
      );
    expect(actions(blockEnding(-3 * 60_000))).toEqual(['deletion-confirmation']);
    expect(textOf(blockEnding(-3 * 60_000))).not.toContain('Meta refuses to delete');
    // This host's clock is not Temporal's: within two minutes of the date either way, the page says it and offers the
    // confirmation (the journey refuses one too early); a host behind offered none for minutes beside a wait for it.
    for (const inMs of [-60_000, 90_000]) {
      expect(actions(blockEnding(inMs))).toEqual(['deletion-confirmation']);
      expect(textOf(blockEnding(inMs))).toContain('Meta refuses to delete the number until');
    }
    expect(actions(blockEnding(3 * 60_000))).toEqual([]);
    const ended = journeyView({
      stage: 'CANCELLED',
      result: {
        outcome: 'CANCELLED',
        reasonCode: 'CANCELLED_BY_OPERATOR',
        reason: 'cancelled',
        remediation: 'start again',
        actor: 'operator@acme',
        metaError: null,
      },
    });
    const endedPage = toText(journeyPage(contextOf(admin), ended));
    expect(actions(endedPage)).toEqual([]);
    expect(endedPage).not.toContain('data-events'); // no live stream for an ended journey
  });

  it('offers a live number’s rename only while no change is under review, naming the name in effect and the pending one', () => {
    const live = (displayName: JourneyView['displayName']) =>
      toText(journeyPage(contextOf(operator), journeyView({ stage: 'LIVE', displayName })));
    const pending = live({ current: 'Acme Support', pending: 'ACME SUPPORT!!!', status: 'PENDING_REVIEW' });
    expect(pending).not.toContain('/display-name"');
    expect(pending).not.toContain('(PENDING_REVIEW)');
    expect(textOf(pending)).toContain(
      'A display-name change is under review: now "Acme Support"; pending review: "ACME SUPPORT!!!".',
    );
    // Approved and waiting for the register that applies it: said so, no form yet.
    const applying = live({ current: 'Acme Support', pending: 'Acme Help', status: 'APPROVED' });
    expect(applying).not.toContain('/display-name"');
    expect(textOf(applying)).toContain(
      'Meta approved the display name "Acme Help": it takes effect once the number registers again (now "Acme Support").',
    );
    const approved = live({ current: 'Acme Support', pending: null, status: 'APPROVED' });
    expect(approved).toContain('/display-name"');
    expect(textOf(approved)).toContain('Now: "Acme Support" APPROVED.');
    // The last change Meta declined: the name in effect is still the approved one.
    expect(textOf(live({ current: 'Acme Support', pending: null, status: 'DECLINED' }))).toContain(
      'Now: "Acme Support" APPROVED (the last change: DECLINED).',
    );
    // The live script swaps the forms when the change ends, though the stage stays LIVE.
    expect(tagOf(pending, 'actions')).not.toEqual(tagOf(approved, 'actions'));
    const rejected = journeyView({
      stage: 'AWAITING_NEW_NAME',
      displayName: { current: 'Acme Support', pending: null, status: 'DECLINED' },
    });
    expect(textOf(toText(journeyPage(contextOf(operator), rejected)))).toContain('Now: "Acme Support" DECLINED.');
  });

  it('binds each form’s CSRF token to its action and the number', () => {
    const page = toText(journeyPage(contextOf(operator), journeyView()));
    expect(page).toContain('value="token-for-+14155552671/otp"');
    expect(page).toContain('value="token-for-+14155552671/resend"');
    expect(page).toContain('value="token-for-sign-out"');
  });

  it('says how many wait in all when it lists only the longest waiting', () => {
    const listed = { e164: '+14155550100', workflowId: 'number:+14155550100', runId: 'r', stage: 'AWAITING_OTP' };
    const journey = { ...listed, outcome: null, portfolioId: '1', wabaId: '2', phoneNumberId: null, status: 'RUNNING' };
    const groups = [
      {
        portfolioId: '1',
        journeys: [{ ...journey, startedAt: null, closedAt: null, waitingOn: null, waitingSince: null }],
      },
    ];
    const text = (total: number | null) => textOf(toText(queuePage(contextOf(operator), groups, {}, total)));
    expect(text(1)).toContain('1 waiting, oldest first. Refresh');
    expect(text(null)).toContain('1 waiting, oldest first. Refresh');
    expect(text(1074)).toContain(
      '1074 waiting, oldest first. The 1 waiting longest are listed: filter by portfolio or stage for the others.',
    );
  });

  it("shows a portfolio's cap over its holders, a holder without a journey, its queue in order and its notes as text", () => {
    const view = {
      portfolioId: '506914307656634',
      cap: 1,
      capSource: { source: 'admin' as const, at: '2026-12-07T09:00:00.000Z', actor: 'admin@acme', reason: 'trial' },
      holders: [
        {
          e164: '+14155550101',
          workflowId: 'number:+14155550101',
          runId: 'r',
          wabaId: '2',
          since: '2026-12-07T08:00:00.000Z',
        },
        { e164: '+14155550102', workflowId: null, runId: null, wabaId: '2', since: '2026-12-07T08:30:00.000Z' },
      ],
      queue: [
        {
          e164: '+14155550103',
          workflowId: 'number:+14155550103',
          runId: 'r',
          wabaId: '2',
          since: '2026-12-07T09:10:00.000Z',
          startedAt: '2026-12-07T09:08:00.000Z',
        },
      ],
      admissions: 2,
      notes: [{ at: '2026-12-07T09:00:00.000Z', what: 'cap set to 1 by admin@acme: <script>x</script>' }],
      lastReconciliation: null,
      readingMetaCount: false,
      capChanges: [],
      stopped: null,
    };
    const page = toText(portfolioPage(contextOf(admin), view as Parameters<typeof portfolioPage>[1]));
    const text = textOf(page);
    expect(text).toContain('Cap 1 registered number, set by admin@acme: trial (2026-12-07T09:00:00.000Z)');
    expect(text).toContain('Holding slots 2 — 1 over the cap: nobody is let through until fewer than 1 hold one');
    expect(page).toContain('<a href="/journeys/%2B14155550101">+14155550101</a>');
    expect(text).toContain('+14155550102 no journey: Meta counts it as registered · since');
    expect(page).toContain('<ol>');
    expect(page).toContain('<a href="/journeys/%2B14155550103">+14155550103</a>');
    expect(text).toContain('+14155550103 started 09:08 UTC on 7 Dec 2026 · since 09:10 UTC on 7 Dec 2026');
    expect(page).not.toContain('<script>x</script>');
    expect(text).toContain('cap set to 1 by admin@acme: &lt;script&gt;x&lt;/script&gt;'); // shown as text
  });

  it('lists what waits for an admin above the journeys awaiting input, each with what it asks', () => {
    const base = { workflowId: 'w', runId: 'r', stage: 'REMOVING', outcome: null, wabaId: '2', phoneNumberId: null };
    const waiting = (e164: string, waitingOn: string) => ({
      ...base,
      e164,
      portfolioId: '1',
      status: 'RUNNING',
      startedAt: '2026-12-01T10:00:00.000Z',
      closedAt: null,
      waitingOn,
      waitingSince: '2026-12-07T09:00:00.000Z',
    });
    const waits = { journeys: [waiting('+14155550101', 'deletion'), waiting('+14155550102', 'token')], waiting: 3 };
    const text = textOf(toText(queuePage(contextOf(admin), [], {}, null, null, waits)));
    expect(text).toContain('Waiting for an admin 3 waiting (the 2 waiting longest)');
    expect(text).toContain(
      '+14155550101 the number deleted in WhatsApp Manager, then confirmed · since 09:00 UTC on 7 Dec 2026 · portfolio 1',
    );
    expect(text).toContain('+14155550102 a working Meta token for the WABA');
    expect(text).toContain('No journey is waiting for a code, a PIN or a new name.');
    expect(textOf(toText(queuePage(contextOf(operator), [], {}, null)))).toContain(
      'No journey is waiting for a person.',
    );
  });
});
