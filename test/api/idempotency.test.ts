import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { journeyWorkflowId, type JourneyView } from '../../src/domain/journey.js';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import { IdempotencyConflictError, JourneyConflictError } from '../../src/journeys/errors.js';
import { createStartOnce } from '../../src/journeys/start-once.js';
import { startRequestHashes } from '../../src/journeys/request-hash.js';
import { startJourneyBody } from '../../src/http/api/schemas.js';
import { useBench } from '../support/bench.js';
import { eventually, OTHER_PORTFOLIO, useApi } from './support.js';
import { harnessHttpApp } from '../support/http-app.js';

interface Started {
  workflowId: string;
  runId: string;
  journey: JourneyView;
}
interface ErrorBody {
  error: { code: string; message: string };
}

describe('starting a journey under an Idempotency-Key (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  const api = useApi(t);

  const start = <T = Started>(body: Record<string, unknown>, key: string) =>
    api.call<T>('POST', '/v1/journeys', { as: 'onboarding', body, headers: { 'idempotency-key': key } });
  /** Every run the number has in visibility, once visibility shows at least `atLeast`. */
  const runsOf = (e164: string, atLeast = 1) =>
    eventually(
      async () => {
        const runs: string[] = [];
        for await (const run of t.env.client.workflow.list({ query: `WorkflowId = '${journeyWorkflowId(e164)}'` })) {
          runs.push(run.runId);
        }
        return runs;
      },
      (runs) => runs.length >= atLeast,
      `${atLeast} run(s) of ${e164}`,
    );

  it('answers the same journey for the same key and body (200), and a conflict for the same key with another body', async () => {
    await t.bench.run(async () => {
      const key = `onboarding-${randomUUID()}`;
      const body = api.startBody();
      const first = await start(body, key);
      expect(first.status).toBe(201);
      // Where the journey is read, as a created resource says.
      expect(first.headers.get('location')).toBe(`/v1/journeys/${encodeURIComponent(first.body.journey.e164)}`);
      // The same request again, the number written otherwise (it is the same number).
      const spaced = String(body.phoneNumber).replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '+1 ($1) $2-$3');
      const again = await start({ ...body, phoneNumber: spaced }, key);
      expect(again.status).toBe(200);
      expect(again.headers.get('location')).toBeNull(); // nothing created
      expect(again.body).toMatchObject({ workflowId: first.body.workflowId, runId: first.body.runId });
      expect(again.body.journey.e164).toBe(first.body.journey.e164);
      // Defaults written out are the same request: codeMethod's follows ivr.
      const spelled = { ...body, codeMethod: 'SMS', ivr: false, path: 'cloud_api', language: 'en_US' };
      expect(await start(spelled, key)).toMatchObject({ status: 200, body: { runId: first.body.runId } });
      const voice = await start<ErrorBody>({ ...body, codeMethod: 'VOICE' }, key);
      expect(voice).toMatchObject({ status: 409, body: { error: { code: 'idempotency_conflict' } } });

      const other = await start<ErrorBody>({ ...body, displayName: 'Acme Help' }, key);
      expect(other.status).toBe(409);
      expect(other.body.error).toMatchObject({ code: 'idempotency_conflict' });
      expect(other.body.error.message).toContain(key);
      const elsewhere = await start<ErrorBody>(api.startBody(), key); // the key, for another number
      expect(elsewhere).toMatchObject({ status: 409, body: { error: { code: 'idempotency_conflict' } } });
      expect(await runsOf(first.body.journey.e164)).toEqual([first.body.runId]);
    });
  });

  it('takes signupAt written another way as the same request, and finds a journey whose key was kept before', async () => {
    await t.bench.run(async () => {
      const key = `onboarding-${randomUUID()}`;
      const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60 * 60_000);
      const body = api.startBody({ signupAt: at.toISOString().replace('.000Z', 'Z') });
      const first = await start(body, key);
      expect(first.status).toBe(201);
      // What a client library writes of the same instant: its milliseconds, another zone.
      const inKolkata = new Date(at.getTime() + 330 * 60_000).toISOString().replace('.000Z', '+05:30');
      for (const signupAt of [at.toISOString(), inKolkata]) {
        expect(await start({ ...body, signupAt }, key)).toMatchObject({
          status: 200,
          body: { runId: first.body.runId },
        });
      }
      const later = await start<ErrorBody>({ ...body, signupAt: new Date(at.getTime() + 1000).toISOString() }, key);
      expect(later).toMatchObject({ status: 409, body: { error: { code: 'idempotency_conflict' } } });

      // A journey started before the instant was hashed as one: its memo keeps the hash of signupAt as written.
      const written = api.startBody({ signupAt: inKolkata });
      const { requestHash, requestHashesBefore, asWritten } = startRequestHashes(
        startJourneyBody.parse(written),
        written.phoneNumber,
        'onboarding@test',
      );
      expect(asWritten).toMatch(/^[0-9a-f]{64}$/);
      expect(asWritten).not.toBe(requestHash);
      expect(requestHashesBefore).toEqual([asWritten]);
      const olderKey = `onboarding-${randomUUID()}`;
      const input = t.bench.input({ phoneNumber: written.phoneNumber, signupAt: inKolkata });
      const kept = { key: olderKey, requestHash: asWritten, scope: 'onboarding@test' };
      const earlier = await createStartOnce(t.env.client, t.bench.taskQueue)(input, kept);
      await runsOf(written.phoneNumber);
      expect(await start(written, olderKey)).toMatchObject({ status: 200, body: { runId: earlier.runId } });
    });
  });

  it('refuses a number whose journey runs under another key, naming that journey', async () => {
    await t.bench.run(async () => {
      const body = api.startBody();
      const first = await start(body, randomUUID());
      expect(first.status).toBe(201);
      const second = await start<ErrorBody>(body, randomUUID());
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('conflict');
      expect(second.body.error.message).toContain(`${first.body.workflowId}, run ${first.body.runId}`);
    });
  });

  it("keeps each principal's keys its own, and names no run of a portfolio the caller may not see", async () => {
    await t.bench.run(async () => {
      const key = `shared-${randomUUID()}`;
      const body = api.startBody();
      const first = await start(body, key);
      expect(first.status).toBe(201);
      // Another principal's key of the same name is another key: it neither blocks nor answers this start (it was
      // 409, naming the first principal's journey).
      const theirs = api.startBody({ portfolioId: OTHER_PORTFOLIO });
      const headers = { 'idempotency-key': key };
      const other = await api.call<Started>('POST', '/v1/journeys', { as: 'elsewhere', body: theirs, headers });
      expect(other.status).toBe(201);
      expect(other.body.journey.e164).not.toBe(first.body.journey.e164);
      // The number is taken, which cannot be hidden; the run, and where it is, are.
      const taken = await api.call<ErrorBody>('POST', '/v1/journeys', {
        as: 'elsewhere',
        body: { ...body, portfolioId: OTHER_PORTFOLIO },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(taken.status).toBe(409);
      expect(taken.body.error).toEqual({
        code: 'conflict',
        message: `${first.body.journey.e164} already has a journey in progress in a portfolio you may not see; it can be started here once that journey has ended`,
        problems: [],
      });
      // It may have ended by itself already (its portfolio holds no WABA of the bench's).
      await t.env.client.workflow
        .getHandle(other.body.workflowId)
        .terminate('test done')
        .catch(() => undefined);
    });
  });

  it('starts one journey for ten identical requests sent at once', async () => {
    await t.bench.run(async () => {
      const key = randomUUID();
      const body = api.startBody();
      const answers = await Promise.all(Array.from({ length: 10 }, () => start(body, key)));
      expect(answers.map((a) => a.status).sort((a, b) => a - b)).toEqual([...Array<number>(9).fill(200), 201]);
      expect(new Set(answers.map((a) => a.body.runId)).size).toBe(1);
      const e164 = answers[0]?.body.journey.e164 as string;
      expect(await runsOf(e164)).toHaveLength(1);
    });
  });

  it('refuses the key reused for another body as idempotency_conflict when visibility does not show the first yet', async () => {
    await t.bench.run(async () => {
      // Two instances, each its own memory; neither looks in visibility, as when the first start is not listed yet.
      const instance = () => createStartOnce(t.env.client, t.bench.taskQueue, { withoutSearchAttributes: true });
      const input = t.bench.input();
      const key = randomUUID();
      const idempotency = { key, requestHash: 'a'.repeat(64), scope: 'onboarding' };
      const first = await instance()(input, idempotency);
      expect(first.created).toBe(true);
      const again = await instance()(input, idempotency);
      expect(again).toMatchObject({ runId: first.runId, created: false });
      const reused = await instance()(input, { ...idempotency, requestHash: 'b'.repeat(64) }).catch((e: unknown) => e);
      expect(reused).toBeInstanceOf(IdempotencyConflictError);
      expect((reused as Error).message).toBe(
        `Idempotency-Key "${key}" was used for another request (${first.workflowId}) — another body, or the same sent by another actor (through the API or in direct mode): send a new key with a new request`,
      );
      // Another principal's key of the same name is not this one: the number is simply taken.
      const others = await instance()(input, { ...idempotency, scope: 'someone-else' }).catch((e: unknown) => e);
      expect(others).toBeInstanceOf(JourneyConflictError);
    });
  });

  it('starts one journey when two service instances get the same request at once', async () => {
    await t.bench.run(async () => {
      // A second instance of the service, as behind a load balancer: same Temporal, same tokens, its own memory.
      const twin = await harnessHttpApp(t.bench, {
        principals: PrincipalDirectory.fromFile(api.tokenFile),
      });
      try {
        const twinUrl = await twin.listen({ host: '127.0.0.1', port: 0 });
        const key = randomUUID();
        const body = api.startBody();
        const viaTwin = () =>
          fetch(`${twinUrl}/v1/journeys`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${api.tokens.onboarding}`,
              'content-type': 'application/json',
              'idempotency-key': key,
            },
            body: JSON.stringify(body),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as Started }));
        const answers = await Promise.all([
          ...Array.from({ length: 5 }, () => start(body, key)),
          ...Array.from({ length: 5 }, viaTwin),
        ]);
        expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
        expect(answers.filter((a) => a.status === 200)).toHaveLength(9);
        expect(new Set(answers.map((a) => a.body.runId)).size).toBe(1);
        expect(await runsOf(answers[0]?.body.journey.e164 as string)).toHaveLength(1);
      } finally {
        await twin.close();
      }
    });
  });
});
