// The console's session: a cookie holding the principal's token hash and an expiry, signed (HMAC-SHA256, by
// @fastify/cookie) with a key derived from the console secret. The token itself is never in it, and the principal is
// looked up in the token file on every request, so a token removed from the file ends its sessions at once.
import { BlockList } from 'node:net';
import type {} from '@fastify/cookie'; // its request and reply decorations
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PrincipalDirectory } from '../auth/directory.js';
import type { Principal } from '../auth/principals.js';
import { tokenSha256 } from '../auth/token-file.js';

export const SESSION_COOKIE = 'numberflow_session';
export const SESSION_HOURS = 12;
/** How long a browser keeps an ended session's cookie (it signs nobody in): a week. */
export const ENDED_SESSION_KEPT_S = 7 * 24 * 3600;
const SESSION_VALUE = /^([0-9a-f]{64})\.(\d{1,12})$/;

export interface Session {
  principal: Principal;
  /** The cookie as sent: what the session's CSRF tokens are bound to. */
  cookie: string;
}

/** Signs the principal of `token` in: sets the cookie; answers the cookie's value (to bind CSRF tokens to). */
export function startSession(reply: FastifyReply, token: string, now = Date.now()): string {
  const expiresAt = Math.floor(now / 1000) + SESSION_HOURS * 3600;
  const value = reply.signCookie(`${tokenSha256(token)}.${expiresAt}`);
  // The signed expiry ends the session; the browser keeps the cookie a week longer, so that a page asked for after
  // it says that the session ended rather than reading as a first visit.
  const maxAge = SESSION_HOURS * 3600 + ENDED_SESSION_KEPT_S;
  reply.setCookie(SESSION_COOKIE, value, { ...cookieOptions(reply.request), maxAge });
  return value;
}

export function endSession(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(reply.request));
}

/** The request's session: a cookie signed by this service, not expired, whose token is still in the token file. */
export function sessionOf(request: FastifyRequest, principals: PrincipalDirectory, now = Date.now()): Session | null {
  return sessionOfCookie(request.cookies[SESSION_COOKIE], (value) => request.unsignCookie(value), principals, now);
}

/** The session of a cookie as sent, `unsign` checking its signature (a request outside the console's plugin). */
export function sessionOfCookie(
  cookie: string | undefined,
  unsign: (value: string) => { valid: boolean; value: string | null },
  principals: PrincipalDirectory,
  now = Date.now(),
): Session | null {
  if (!cookie) return null;
  const unsigned = unsign(cookie);
  const match = unsigned.valid && unsigned.value ? SESSION_VALUE.exec(unsigned.value) : null;
  if (!match?.[1] || Number(match[2]) * 1000 <= now) return null;
  const principal = principals.identifyByHash(match[1]);
  return principal ? { principal, cookie } : null;
}

/**
 * httpOnly, SameSite=Strict, Path=/, and Secure unless the request came over plain http to a loopback address (not
 * every browser sends a Secure cookie back to http://127.0.0.1). A TLS proxy on the same host says so with
 * X-Forwarded-Proto: https (a chain of proxies lists one per hop: any https among them); the header can only add
 * Secure, never take it away, so it needs no trust.
 */
export function cookieOptions(request: FastifyRequest) {
  const forwarded = request.headers['x-forwarded-proto'];
  const viaHttps = String(forwarded ?? '')
    .split(',')
    .some((proto) => proto.trim().toLowerCase() === 'https');
  const https = request.protocol === 'https' || viaHttps;
  return { httpOnly: true, sameSite: 'strict', path: '/', secure: https || !onLoopback(request) } as const;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

function onLoopback(request: FastifyRequest): boolean {
  const address = request.socket.localAddress;
  if (!address) return false;
  return loopback.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}
