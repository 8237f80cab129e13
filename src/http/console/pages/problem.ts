// A page for what went wrong: what failed and what to do, with the way back.
import { html, type Html } from '../html.js';
import { signInPath } from '../paths.js';
import { layout, PROBLEM_ID, type PageContext } from './layout.js';

export interface ProblemLinks {
  /** Where signing in again leads (the journey whose form was refused for a session that had ended). */
  next?: string;
  /** The journey page the refused request was about: linked, as an ended journey is not among those awaiting input. */
  journey?: string | null;
}

export function problemPage(
  context: PageContext,
  title: string,
  message: string,
  { next = '/', journey = null }: ProblemLinks = {},
): Html {
  const back = journey && context.principal ? html`<a href="${journey}">Back to the journey</a> · ` : null;
  return layout(context, {
    title,
    body: html`<h1>${title}</h1>
      <p id="${PROBLEM_ID}" class="outcome refused" role="alert" tabindex="-1" autofocus>${message}</p>
      <p>
        ${back}<a href="/">Back to the journeys awaiting input</a
        >${context.principal ? null : html` · <a href="${signInPath(next)}">Sign in</a>`}
      </p>`,
  });
}
