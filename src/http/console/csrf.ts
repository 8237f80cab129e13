// CSRF tokens derived from what the browser holds: HMAC-SHA256(key, binding, form action), where the binding is the
// session cookie (or, on the sign-in form, a nonce cookie set with the form). A forged cross-site POST cannot know
// the token (it cannot read the page), and a token is good for one form of one session only. Nothing is stored.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CSRF_FIELD = 'csrf';

/** A key for one use (sessions, CSRF tokens), derived from the console secret so no key serves two purposes. */
export function consoleKey(secret: string, use: 'session' | 'csrf' | 'submission'): Buffer {
  return createHmac('sha256', secret).update(`numberflow console ${use}`).digest();
}

export function csrfToken(key: Buffer, binding: string, action: string): string {
  return createHmac('sha256', key).update(`csrf\0${binding}\0${action}`).digest('base64url');
}

export function csrfValid(key: Buffer, binding: string, action: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfToken(key, binding, action));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
