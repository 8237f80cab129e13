// A request's line in the log: its method, path, status and time, who sent it (the peer, or the client a trusted
// proxy names, and the proxy) and the principal. Written when Fastify answers (onResponse), and by a route that
// writes its answer by hand (an event stream, which Fastify does not see end) when it ends.
import { isIP } from 'node:net';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { levels } from 'pino';

/**
 * The event streams whose line is written by the stream: Fastify's onResponse still comes after a hand-written answer
 * that the service ended (a journey's end, a HEAD), and writes none. Only streams are added (not every request: the
 * webhook receiver passes here thousands of times a second).
 */
const streamed = new WeakSet<FastifyRequest>();

/** Writes the line Fastify's onResponse writes for a request it answered (none for a stream that wrote its own). */
export function writeRequestLine(request: FastifyRequest, status: number, elapsedMs: number): void {
  if (!streamed.has(request)) writeLine(request, status, elapsedMs);
}

/** An event stream's line, written as it ends (Fastify does not see a hijacked answer end), with its events. */
export function writeStreamLine(request: FastifyRequest, elapsedMs: number, events: number): void {
  streamed.add(request);
  writeLine(request, 200, elapsedMs, { streamed: true, events });
}

/**
 * Writes the line, built only when its level is written. A route may log its requests at debug (a scrape); never a
 * refusal (a 413 before its handler would leave no other trace). `more` adds fields (an event stream's `streamed`).
 */
function writeLine(request: FastifyRequest, status: number, elapsedMs: number, more: Record<string, unknown> = {}) {
  const level = status >= 400 ? 'info' : (request.routeOptions.config?.requestLogLevel ?? 'info');
  if (!writesAt(request.log, level)) return;
  request.log[level](
    {
      method: request.method,
      path: request.url.split('?')[0],
      status,
      ms: Math.round(elapsedMs),
      // Who sent it (a refused webhook, say): the peer, or the client a trusted proxy names, with the proxy.
      ...peerOf(request),
      ...(request.principal ? { principal: request.principal.name } : {}),
      ...more,
    },
    'request',
  );
}

/**
 * A request's sender for its line: the peer, or the client a trusted proxy names and the proxy. A name that is no
 * address (a proxy passing on what its client wrote) is not logged as one: the line says so, with the peer.
 */
export function peerOf(request: FastifyRequest): { client: string | undefined; proxy?: string; forwarded?: string } {
  const peer = request.socket.remoteAddress;
  if (request.ip === peer) return { client: peer };
  const client = addressIn(request.ip);
  return client === null ? { client: peer, forwarded: 'not an address' } : { client, proxy: peer };
}

/** The address a proxy forwarded, written bare, with a port (203.0.113.9:5678) or in brackets ([2001:db8::1]:443). */
function addressIn(forwarded: string): string | null {
  const match = /^\[([^\]]+)\](?::\d+)?$/.exec(forwarded) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(forwarded);
  const address = match?.[1] ?? forwarded;
  return isIP(address) === 0 ? null : address;
}

/** Whether a logger writes lines of this level (pino's levels, by number; an unknown level writes). */
function writesAt(log: FastifyBaseLogger, level: 'info' | 'debug'): boolean {
  return (levels.values[log.level] ?? 0) <= (levels.values[level] ?? 0);
}
