// The sign-in page: the API token in a password field, posted once and never kept (the session names its hash).
import { NEW_TOKEN_COMMAND } from '../../auth/setup.js';
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { SESSION_HOURS } from '../session.js';
import { layout, type PageContext } from './layout.js';

export const SIGN_IN_ACTION = 'sign-in';

/** What the sign-in page says to a browser whose session ended. */
export const SESSION_ENDED = `Your session has ended (it lasts ${SESSION_HOURS} hours, and ends when its token is removed): sign in again to go on.`;

/** What the sign-in page says above its form. */
export type SignInSaid =
  | { problem: 'token'; text: string } // the token refused (none, or not one of this service's): the field is marked
  | { problem: 'form'; text: string } // the form refused (an old one): the token may be right
  | { notice: string }; // no refusal: a session ended, say

export function signInPage(context: PageContext, next = '/', said: SignInSaid | null = null): Html {
  const problem = said && 'problem' in said ? said.text : null;
  const notice = said && 'notice' in said ? said.notice : null;
  const tokenRefused = said !== null && 'problem' in said && said.problem === 'token';
  return layout(context, {
    title: problem ? 'refused · Sign in' : 'Sign in',
    body: html`<h1>Sign in</h1>
      <p>Sign in with your numberflow API token. Operators and admins act on journeys; every other role reads them.</p>
      ${
        problem
          ? html`<p id="sign-in-problem" class="outcome refused" role="alert" tabindex="-1" autofocus>${problem}</p>`
          : null
      }
      ${notice ? html`<p class="outcome" role="status">${notice}</p>` : null}
      <form method="post" action="/sign-in" class="stack">
        <input type="hidden" name="${CSRF_FIELD}" value="${context.csrf(SIGN_IN_ACTION)}" />
        <input type="hidden" name="next" value="${next}" />
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          maxlength="512"
          spellcheck="false"
          ${
            problem
              ? html`aria-describedby="sign-in-problem"${tokenRefused ? html` aria-invalid="true"` : null}`
              : html`autofocus`
          }
        />
        <button type="submit">Sign in</button>
      </form>
      <p class="help">
        A session lasts ${SESSION_HOURS} hours; its cookie never holds the token; a token removed from the token file
        ends its sessions. A new token: <code>${NEW_TOKEN_COMMAND}</code>
      </p>`,
  });
}
