// The console's URLs, made in one place: a number's path segment is percent-encoded ("+" is %2B).
export const journeyPath = (e164: string) => `/journeys/${encodeURIComponent(e164)}`;
export const portfolioPath = (portfolioId: string) => `/portfolios/${encodeURIComponent(portfolioId)}`;
export const actionPath = (e164: string, action: string) => `${journeyPath(e164)}/${action}`;
export const eventsPath = (e164: string) => `${journeyPath(e164)}/events`;
/** The auditor's timeline page; with a format, the same timeline as a file to save. */
export const timelinePath = (e164: string, format?: 'json' | 'markdown') =>
  `${journeyPath(e164)}/timeline${format ? `?format=${format}` : ''}`;
/** A customer's confirmation form, after the journey's path. */
export const confirmationAction = (waId: string) => `identities/${waId}/confirmation`;
/** The name a form's CSRF token is bound to. */
export const actionName = (e164: string, action: string) => `${e164}/${action}`;

/** The journey page a request's URL is under (a form's action, its events), or null. */
export const journeyPathIn = (url: string): string | null => /^\/journeys\/[^/?#]+/.exec(url)?.[0] ?? null;

/** The sign-in page, coming back to `next` (a page of this console) once signed in. */
export const signInPath = (next: string) => (next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`);

const HERE = 'http://console.invalid';

/**
 * Where to go after signing in: a path of this service only, never another site ("//host", "/\\host", "/\t/host":
 * a browser drops tabs and line breaks from a URL). Read as a browser reads it, answered as it read it.
 */
export function localPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2048) return '/';
  try {
    const url = new URL(next, HERE);
    const path = `${url.pathname}${url.search}${url.hash}`;
    // Dot segments resolved can leave "//host" ("/.//host"): what is answered must be a path too.
    return url.origin === HERE && /^\/(?![/\\])/.test(path) ? path : '/';
  } catch {
    return '/';
  }
}
