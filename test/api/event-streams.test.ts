// What an event stream costs: its followers share a journey's reads (one query a poll, however many follow it), and
// one principal holds at most MAX_STREAMS_PER_PRINCIPAL streams open (a security QA's 400 streams made the journey's
// own reads time out).
import { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_STREAMS_PER_PRINCIPAL, sharedJourneyRead } from '../../src/http/api/events.js';
import { useBench } from '../support/bench.js';
import { openEvents, useApi, type EventStream } from './support.js';

describe('event streams and what they cost (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  const api = useApi(t);

  it('shares one read of a journey among the streams that follow it, and hands no failed read on', async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      let queries = 0;
      const { client } = t.env;
      const counting = new Client({
        connection: client.connection,
        namespace: client.options.namespace,
        dataConverter: client.options.dataConverter,
        interceptors: { workflow: [{ query: (input, next) => (queries++, next(input)) }] },
      });
      const views = await Promise.all(Array.from({ length: 10 }, () => sharedJourneyRead(counting, e164, 60_000)));
      expect(queries).toBe(1);
      expect(new Set(views.map((v) => v.e164))).toEqual(new Set([e164]));
      // Past its freshness, a poll reads again.
      await sharedJourneyRead(counting, e164, 0);
      await sharedJourneyRead(counting, e164, 0);
      expect(queries).toBe(3);
      // A number no journey has: each poll is told so, none is handed an earlier failure.
      const unknown = '+14155550000';
      await expect(sharedJourneyRead(counting, unknown, 60_000)).rejects.toThrow(/no journey/);
      await expect(sharedJourneyRead(counting, unknown, 60_000)).rejects.toThrow(/no journey/);
      expect(queries).toBe(5);
    });
  });

  it(`refuses a principal's stream past ${MAX_STREAMS_PER_PRINCIPAL} open (429), and takes one again once one closes`, async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      const streams: EventStream[] = [];
      try {
        for (let i = 0; i < MAX_STREAMS_PER_PRINCIPAL; i++) streams.push(await openEvents(api, e164, 'auditor'));
        expect(streams.map((s) => s.status)).toEqual(streams.map(() => 200));
        const refused = await fetch(`${api.url}/v1/journeys/${e164}/events`, {
          headers: { authorization: `Bearer ${api.tokens.auditor}` },
        });
        expect(refused.status).toBe(429);
        expect(await refused.json()).toMatchObject({
          error: {
            code: 'too_many_streams',
            message: `auditor@test has ${MAX_STREAMS_PER_PRINCIPAL} event streams open, the most one principal may: close one (a page that follows a journey, a watch) first`,
          },
        });
        // Another principal is not bound by the auditor's streams.
        const other = await openEvents(api, e164, 'operator');
        expect(other.status).toBe(200);
        other.close();
        streams.shift()?.close();
        let again: EventStream | undefined;
        for (let attempt = 0; attempt < 100 && again?.status !== 200; attempt++) {
          again?.close();
          await new Promise((resolve) => setTimeout(resolve, 50));
          again = await openEvents(api, e164, 'auditor');
        }
        expect(again?.status).toBe(200);
        if (again) streams.push(again);
      } finally {
        for (const stream of streams) stream.close();
      }
    });
  });
});

describe('an event stream whose client goes while it opens (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  let slow: Client;
  beforeAll(() => {
    const { client } = t.env;
    // Every read of a journey takes 300 ms: a client that gives up at 100 ms goes during the stream's first read.
    slow = new Client({
      connection: client.connection,
      namespace: client.options.namespace,
      dataConverter: client.options.dataConverter,
      interceptors: {
        workflow: [{ query: async (input, next) => (await new Promise((r) => setTimeout(r, 300)), next(input)) }],
      },
    });
  });
  const api = useApi(t, { client: () => slow });

  it(`lets go of a stream its client left during the first read, so ${MAX_STREAMS_PER_PRINCIPAL} such leave no 429`, async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      await Promise.all(
        Array.from({ length: MAX_STREAMS_PER_PRINCIPAL + 5 }, async () => {
          const gone = new AbortController();
          setTimeout(() => gone.abort(), 100);
          await fetch(`${api.url}/v1/journeys/${e164}/events`, {
            headers: { authorization: `Bearer ${api.tokens.auditor}` },
            signal: gone.signal,
          }).catch(() => undefined);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // their first reads answered meanwhile
      const stream = await openEvents(api, e164, 'auditor');
      try {
        expect(stream.status).toBe(200);
      } finally {
        stream.close();
      }
    });
  });
});
