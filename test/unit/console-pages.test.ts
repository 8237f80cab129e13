// The console's pages as functions of a view: escaping by default, what a refused form keeps, what a role sees.
import { describe, expect, it } from 'vitest';
import type { JourneyView } from '../../src/domain/journey.js';
import type { Principal } from '../../src/http/auth/principals.js';
import { html, toText } from '../../src/http/console/html.js';
import { journeyPage } from '../../src/http/console/pages/journey.js';
import type { PageContext } from '../../src/http/console/pages/layout.js';
import { tagOf } from '../support/console.js';

const operator: Principal = { name: 'operator@acme', roles: ['operator'], portfolios: null };
const admin: Principal = { name: 'admin@acme', roles: ['admin'], portfolios: null };
const contextOf = (principal: Principal): PageContext => ({ principal, csrf: (action) => `token-for-${action}` });

function view(overrides: Partial<JourneyView> = {}): JourneyView {
  return {
    e164: '+14155552671',
    wabaId: '102290129340398',
    portfolioId: '506914307656634',
    path: 'cloud_api',
    stage: 'AWAITING_OTP',
    phoneNumberId: '106540352242922',
    codeMethod: 'SMS',
    waiting: { for: 'operator', reason: 'an operator must submit the code', until: '2026-12-02T15:14:00.000Z' },
    deadlines: { signupExpiresAt: null, codeExpiresAt: null, reRegisterBy: null, deletionAllowedAt: null },
    attempts: { codeRequests: 1, wrongCodes: 0, wrongPins: 0, registerCalls: 0, deregisterCalls: 0 },
    registrationCallsIn72h: 0,
    displayName: { current: 'Acme Support', pending: null, status: 'PENDING_REVIEW' },
    status: null,
    lastError: null,
    recentEvents: [],
    notes: [],
    sendsPaused: false,
    identityCheck: 'off',
    result: null,
    ...overrides,
  };
}

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
        view({
          displayName: { current: '<script>alert(1)</script>', pending: null, status: 'APPROVED' },
          notes: [{ at: '2026-12-02T14:00:00.000Z', actor: '<script>x</script>', what: '</li><script>y</script>' }],
        }),
      ),
    );
    expect(page).not.toMatch(/<script>(?!<)/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;/li&gt;&lt;script&gt;y&lt;/script&gt;');
  });

  it('keeps a refused display name in its field and never writes a code back', () => {
    const page = toText(
      journeyPage(contextOf(operator), view({ stage: 'AWAITING_NEW_NAME' }), {
        outcome: { outcome: 'refused', message: 'the display name is too short', attemptsLeft: null },
        kept: { displayName: 'Ac "me"' },
      }),
    );
    expect(tagOf(page, 'displayName')).toContain('value="Ac &quot;me&quot;"');
    expect(tagOf(page, 'outcome')).toMatch(/class="outcome refused" role="status" aria-live="polite"/);
    expect(tagOf(toText(journeyPage(contextOf(operator), view())), 'code')).not.toContain('value=');
  });

  it('offers the forms of the stage, the removal to admins only, and nothing once ended', () => {
    const actions = (page: string) =>
      [...page.matchAll(/action="\/journeys\/%2B14155552671\/([a-z-]+)"/g)].map((m) => m[1]);
    expect(actions(toText(journeyPage(contextOf(operator), view())))).toEqual(['otp', 'resend', 'cancel']);
    expect(actions(toText(journeyPage(contextOf(operator), view({ stage: 'AWAITING_PIN' }))))).toEqual([
      'pin',
      'cancel',
    ]);
    expect(actions(toText(journeyPage(contextOf(operator), view({ stage: 'LIVE' }))))).toEqual(['display-name']);
    expect(actions(toText(journeyPage(contextOf(admin), view({ stage: 'LIVE' }))))).toEqual([
      'display-name',
      'removal',
    ]);
    expect(actions(toText(journeyPage(contextOf(admin), view({ stage: 'REMOVING' }))))).toEqual([
      'deletion-confirmation',
      'removal',
    ]);
    const ended = view({
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

  it('binds each form’s CSRF token to its action and the number', () => {
    const page = toText(journeyPage(contextOf(operator), view()));
    expect(page).toContain('value="token-for-+14155552671/otp"');
    expect(page).toContain('value="token-for-+14155552671/resend"');
    expect(page).toContain('value="token-for-sign-out"');
  });
});
