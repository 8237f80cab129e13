// GET /v1/journeys/{e164}/events: Server-Sent Events of a journey, so a UI follows a number without polling. First
// `view` (the whole view), then `stage` when the stage or who it waits for changes, `call` when a Graph call Temporal
// retries takes another attempt or state (or is over) and `note` for each new note, a keep-alive comment now and
// then, and `end` when the journey has ended. The server reads the journey's query every `pollMs` (a stage shorter
// than that may not show) and stops when the client goes. Event ids count the stream's events; a client that
// reconnects gets a fresh `view` (it holds everything the stream had said), so Last-Event-ID is not needed.
import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { JourneyView } from '../../domain/journey.js';
import { describeJourney, endOf, journeyChanges, JourneyNotFoundError } from '../../journeys/index.js';
import { bearerTokenOf, principalOf } from '../auth/hooks.js';
import { describeJourneyFor } from '../auth/journey-scope.js';
import { holdsAny, permissions, seesPortfolio, type Principal } from '../auth/principals.js';
import { ApiError } from '../errors.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { e164Params } from './schemas.js';
import { writeStreamLine } from '../request-line.js';

/** How often the stream reads the journey, and sends a keep-alive comment, unless told otherwise. */
export const eventStreamDefaults: ApiContext['events'] = { pollMs: 1_000, keepAliveMs: 15_000 };

export function eventRoutes(app: ZodApp, context: ApiContext): void {
  // Open streams end when the service closes (a stream never ends by itself while its journey runs).
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const response of open) response.destroy();
  });
  const read = secured(context, 'read', ['journeys']);
  app.get(
    '/v1/journeys/:e164/events',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: "the journey's stage changes and notes as Server-Sent Events (text/event-stream)",
        description:
          'Events: `view` (the JourneyView, first), `stage` ({stage, waiting}), `call` ({callUnderWay}: a Graph call Temporal retries took another attempt or state; null once it is over), `note` (a JourneyNote), `end` ({result, at}: when it ended, by Temporal) when the journey has ended. A comment every 15 s keeps the connection open.',
        params: e164Params,
        response: {
          200: {
            description: 'the stream, until the journey ends or the client goes',
            content: {
              'text/event-stream': {
                schema: z.string().describe('`id:`, `event:` and `data:` lines (the data as JSON), and comments'),
              },
            },
          },
          ...errors(400, 404, 429),
        },
      },
    },
    async (request, reply) => {
      open.add(reply.raw);
      reply.raw.once('close', () => open.delete(reply.raw));
      const token = bearerTokenOf(request) ?? '';
      await followJourney(context, principalOf(request), request.params.e164, reply, () =>
        context.principals.identify(token),
      );
    },
  );
}

/**
 * Streams the journey's events to `principal` until the client goes or the journey ends (also the console's), or
 * until its credentials no longer let it read the journey: `holder` says who they name now (null once a token is
 * removed or a session has expired), read before every poll, so that a revoked token's open stream says nothing more.
 */
export async function followJourney(
  context: Pick<ApiContext, 'client' | 'events'>,
  principal: Principal,
  e164: string,
  reply: FastifyReply,
  holder: () => Principal | null,
): Promise<void> {
  const closed = new AbortController();
  // The response's close, not the request's: a GET's request closes as soon as it has been read. Heard before the
  // first read: a client gone during it would leave a stream polling for ever, holding its principal's count.
  reply.raw.once('close', () => closed.abort());
  const first = await describeJourneyFor(context.client, principal, e164); // 404 before the stream opens
  const release = holdStream(context.client, principal);
  const freshMs = context.events.pollMs / 2;
  const read = async () => {
    const now = holder();
    if (!now || !holdsAny(now, permissions.read) || !seesPortfolio(now, first.portfolioId)) return null;
    const view = await sharedJourneyRead(context.client, e164, freshMs);
    // The number's latest run: a journey started anew in a portfolio the caller may not see is not shown.
    return seesPortfolio(now, view.portfolioId) ? view : null;
  };
  try {
    await stream(reply, first, closed.signal, read, context.events);
  } finally {
    release();
  }
}

/**
 * The most event streams one principal may hold open at once (the console's pages and the API's together): each
 * reads its journey every poll, and 400 of them made a journey's own reads time out.
 */
export const MAX_STREAMS_PER_PRINCIPAL = 20;

const openStreams = new WeakMap<Client, Map<string, number>>();

/** Counts a stream against its principal's bound (429 past it); answers how to let it go. */
function holdStream(client: Client, principal: Principal): () => void {
  let counts = openStreams.get(client);
  if (!counts) openStreams.set(client, (counts = new Map()));
  const held = counts.get(principal.name) ?? 0;
  if (held >= MAX_STREAMS_PER_PRINCIPAL) {
    throw new ApiError(
      429,
      'too_many_streams',
      `${principal.name} has ${MAX_STREAMS_PER_PRINCIPAL} event streams open, the most one principal may: close one (a page that follows a journey, a watch) first`,
    );
  }
  counts.set(principal.name, held + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (counts.get(principal.name) ?? 1) - 1;
    if (left > 0) counts.set(principal.name, left);
    else counts.delete(principal.name);
  };
}

const recentReads = new WeakMap<Client, Map<string, { at: number; view: Promise<JourneyView> }>>();

/**
 * The journey's view for a stream's poll, shared by every stream that follows it within `freshMs`: a hundred
 * followers cost one query a poll, not a hundred. A read that failed is not handed to later polls.
 */
export function sharedJourneyRead(client: Client, e164: string, freshMs: number): Promise<JourneyView> {
  let reads = recentReads.get(client);
  if (!reads) recentReads.set(client, (reads = new Map()));
  const now = Date.now();
  const recent = reads.get(e164);
  if (recent && now - recent.at < freshMs) return recent.view;
  const entry = { at: now, view: describeJourney(client, e164) };
  reads.set(e164, entry);
  // Forgotten once stale or failed: the map holds only journeys being followed now.
  const forget = () => void (reads.get(e164) === entry && reads.delete(e164));
  setTimeout(forget, freshMs).unref();
  entry.view.catch(forget);
  return entry.view;
}

async function stream(
  reply: FastifyReply,
  first: JourneyView,
  closed: AbortSignal,
  /** The journey now, or null when the caller may no longer read it (the stream ends without `end`). */
  read: () => Promise<JourneyView | null>,
  { pollMs, keepAliveMs }: ApiContext['events'],
): Promise<void> {
  reply.hijack(); // written by hand from here on
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // no buffering by a proxy in front
  });
  // Nothing is written once the client has gone.
  const write = (text: string) => void (reply.raw.destroyed || closed.aborted || reply.raw.write(text));
  let id = 0;
  const send = (event: string, data: unknown) => {
    id += 1;
    write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), keepAliveMs);
  try {
    // A HEAD (a proxy's or a health check's) gets the headers and nothing to follow: Node sends no body for it, and
    // would hold even the headers until the end, the journey's.
    if (reply.request.method === 'HEAD') return;
    send('view', first);
    let last = first;
    while (last.result === null && !closed.aborted && !reply.raw.destroyed) {
      await delay(pollMs, undefined, { signal: closed }).catch(() => undefined);
      if (closed.aborted) break;
      let next: JourneyView | null;
      try {
        next = await read();
      } catch (err) {
        if (err instanceof JourneyNotFoundError) break;
        continue; // Temporal unreachable a moment: the next poll tries again
      }
      if (next === null) break;
      for (const change of journeyChanges(last, next)) send(change.event, change.data);
      last = next;
    }
    if (last.result !== null) send('end', endOf({ ...last, result: last.result }));
  } finally {
    clearInterval(keepAlive);
    // Before the end, so that Fastify's onResponse, which comes after it, finds the line written.
    writeStreamLine(reply.request, reply.elapsedTime, id);
    reply.raw.end();
  }
}
