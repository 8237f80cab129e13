// GET /v1/journeys/{e164}/events: Server-Sent Events of a journey, so a UI follows a number without polling. First
// `view` (the whole view), then `stage` when the stage or who it waits for changes and `note` for each new note, a
// keep-alive comment now and then, and `end` when the journey has ended. The server reads the journey's query every
// `pollMs` and stops when the client goes. Event ids count the stream's events; a client that reconnects gets a
// fresh `view` (it holds everything the stream had said), so Last-Event-ID is not needed.
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { JourneyView } from '../../domain/journey.js';
import { describeJourney, journeyChanges, JourneyNotFoundError } from '../../journeys/index.js';
import { ensureSees, principalOf } from '../auth/hooks.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { e164Params } from './schemas.js';

export function eventRoutes(app: ZodApp, context: ApiContext): void {
  const read = secured(context, 'read', ['journeys']);
  app.get(
    '/v1/journeys/:e164/events',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: "the journey's stage changes and notes as Server-Sent Events (text/event-stream)",
        description:
          'Events: `view` (the JourneyView, first), `stage` ({stage, waiting}), `note` (a JourneyNote), `end` ({result}) when the journey has ended. A comment every 15 s keeps the connection open.',
        params: e164Params,
        response: {
          200: z.string().describe('text/event-stream'),
          ...errors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { e164 } = request.params;
      const first = await describeJourney(context.client, e164); // 404 before the stream opens
      ensureSees(principalOf(request), first.portfolioId, `no journey for ${e164}`);
      const closed = new AbortController();
      // The response's close, not the request's: a GET's request closes as soon as it has been read.
      reply.raw.once('close', () => closed.abort());
      await stream(reply, first, closed.signal, () => describeJourney(context.client, e164), context.events);
    },
  );
}

async function stream(
  reply: FastifyReply,
  first: JourneyView,
  closed: AbortSignal,
  read: () => Promise<JourneyView>,
  { pollMs, keepAliveMs }: ApiContext['events'],
): Promise<void> {
  reply.hijack(); // written by hand from here on
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // no buffering by a proxy in front
  });
  let id = 0;
  const send = (event: string, data: unknown) => {
    id += 1;
    reply.raw.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), keepAliveMs);
  try {
    send('view', first);
    let last = first;
    while (last.result === null && !closed.aborted) {
      await delay(pollMs, undefined, { signal: closed }).catch(() => undefined);
      if (closed.aborted) break;
      let next: JourneyView;
      try {
        next = await read();
      } catch (err) {
        if (err instanceof JourneyNotFoundError) break;
        continue; // Temporal unreachable a moment: the next poll tries again
      }
      for (const change of journeyChanges(last, next)) send(change.event, change.data);
      last = next;
    }
    if (last.result !== null) send('end', { result: last.result });
  } finally {
    clearInterval(keepAlive);
    reply.raw.end();
  }
}
