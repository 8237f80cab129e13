// A page for what went wrong: what failed and what to do, with the way back.
import { html, type Html } from '../html.js';
import { layout, type PageContext } from './layout.js';

export function problemPage(context: PageContext, title: string, message: string): Html {
  return layout(context, {
    title,
    body: html`<h1>${title}</h1>
      <p class="outcome refused" role="alert">${message}</p>
      <p>
        <a href="/">Back to the journeys awaiting input</a
        >${context.principal ? null : html` · <a href="/sign-in">Sign in</a>`}
      </p>`,
  });
}
