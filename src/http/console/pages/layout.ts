// The page around every console page: a skip link, the header with who is signed in, the main landmark.
import type { Principal } from '../../auth/principals.js';
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';

/** What every page knows of its request: who is signed in, and the CSRF token of each of its forms. */
export interface PageContext {
  principal: Principal | null;
  /** The token of a form, by the form's action name (e.g. "sign-out", "+14155552671/otp"). */
  csrf(action: string): string;
  /** This render's submission id, which its action forms carry (submission.ts). */
  submission: string;
  /** On a journey's page: its journey (submission.ts JOURNEY_FIELD), which its action forms carry. */
  journey?: string;
  /** What was typed in "Go to a number" when it was refused: shown there again, to be corrected. */
  typedNumber?: string;
}

export interface PageOptions {
  title: string;
  body: Html;
  /** A page of wide tables (the timeline): on a desktop it takes the width they need, up to 75rem, not 48rem. */
  wide?: boolean;
}

export const ASSETS = { css: '/assets/console.css', js: '/assets/console.js' } as const;

export function layout(context: PageContext, { title, body, wide = false }: PageOptions): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title} · numberflow console</title>
        <link rel="stylesheet" href="${ASSETS.css}" />
        <!-- On every page: times in the reader's zone, a form sent once; a journey's page followed live. -->
        <script src="${ASSETS.js}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to the content</a>
        <header class="bar">
          <a class="brand" href="/">numberflow</a>
          ${context.principal ? signedIn(context, context.principal) : null}
        </header>
        <main id="main" ${wide ? html`class="wide"` : null} tabindex="-1">${body}</main>
      </body>
    </html> `;
}

/** The problem a problem page says (pages/problem.ts): what a refused number in the header is described by. */
export const PROBLEM_ID = 'problem';

function signedIn(context: PageContext, principal: Principal): Html {
  return html`<nav aria-label="Console"><a href="/">Awaiting input</a></nav>
    <form class="go" method="get" action="/journeys" role="search" aria-label="Find a number">
      <label for="go-number">Go to a number</label>
      <input
        id="go-number"
        name="number"
        inputmode="tel"
        autocomplete="off"
        placeholder="+14155552671"
        maxlength="40"
        ${
          context.typedNumber
            ? html`value="${context.typedNumber}" aria-invalid="true" aria-describedby="${PROBLEM_ID}"`
            : null
        }
      />
      <button type="submit" class="quiet">Go</button>
    </form>
    <form class="who" method="post" action="/sign-out">
      <input type="hidden" name="${CSRF_FIELD}" value="${context.csrf('sign-out')}" />
      <span>${principal.name} <span class="roles">(${principal.roles.join(', ')})</span></span>
      <button type="submit" class="quiet">Sign out</button>
    </form>`;
}
