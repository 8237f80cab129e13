import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { journeyWorkflowId, type JourneyView } from '../../src/domain/journey.js';
import type { JourneyListing } from '../../src/journeys/index.js';
import { addPrincipal } from '../../src/http/auth/token-file.js';
import { requestRemovalUpdate } from '../../src/domain/messages.js';
import { loggerInto } from '../support/http-app.js';
import { useBench } from '../support/bench.js';
import { decodedPayloadTexts } from '../support/history.js';
import { eventually, openEvents, useApi, type ServerEvent } from './support.js';

interface Outcome {
  outcome: 'accepted' | 'refused' | 'pending';
  message: string;
  attemptsLeft: number | null;
}

describe('the HTTP API end to end (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  const logged: string[] = [];
  const api = useApi(t, { keepAliveMs: 300, logger: loggerInto(logged) });
  /** The request lines of the journey's event streams, once ended. */
  const streamLines = (e164: string) =>
    logged
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request' && line.path === `/v1/journeys/${e164}/events`);

  const sandbox = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.bench.sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const act = (e164: string, action: string, body: unknown, as: 'operator' | 'admin' = 'operator') =>
    api.call<Outcome>('POST', `/v1/journeys/${e164}/${action}`, { as, body });
  const showsStage = (stage: string) => (e: ServerEvent) =>
    (e.event === 'view' || e.event === 'stage') && (e.data as { stage: string }).stage === stage;
  /** The stages a stream showed: the first view's, then each change. */
  const stages = (events: ServerEvent[]) =>
    events.filter((e) => e.event === 'view' || e.event === 'stage').map((e) => (e.data as { stage: string }).stage);

  it('takes a number to LIVE over HTTP: a resend, the code from the outbox (a wrong one first, a retried verify), the name webhook; the stream shows each stage', async () => {
    await t.bench.run(async () => {
      const body = api.startBody();
      const started = await api.call<{ workflowId: string; journey: JourneyView }>('POST', '/v1/journeys', {
        as: 'onboarding',
        body,
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(started.status).toBe(201);
      const e164 = started.body.journey.e164;
      expect(started.body.workflowId).toBe(journeyWorkflowId(e164));
      const stream = await openEvents(api, e164, 'auditor');
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);

      const { phoneNumberId } = await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      await stream.until(showsStage('AWAITING_OTP'), 'the wait for a code');
      expect(await act(e164, 'resend', { method: 'VOICE' })).toMatchObject({
        status: 200,
        body: { outcome: 'pending', message: 'asking Meta for a new code by VOICE' },
      });
      await api.until(
        e164,
        (v) => v.stage === 'AWAITING_OTP' && v.attempts.codeRequests === 2 && v.codeMethod === 'VOICE',
        'a second code, by voice',
      );
      const { code } = (await sandbox('GET', `/outbox/${phoneNumberId}/latest`)) as { code: string };
      expect(code).toMatch(/^\d{6}$/);

      const wrong = await act(e164, 'otp', { code: code === '000000' ? '111111' : '000000' });
      expect(wrong).toMatchObject({
        status: 200,
        body: { outcome: 'refused', message: 'code wrong, 2 attempts left', attemptsLeft: 2 },
      });
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP after the wrong code');
      // Meta fails the right code's verify twice (in the task, then the activity's first attempt): Temporal retries.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'error', code: 131000, times: 2 });
      expect(await act(e164, 'otp', { code })).toMatchObject({
        status: 200,
        body: { outcome: 'accepted', message: 'code accepted', attemptsLeft: null },
      });

      // The journey waits for Meta's review: the stream, which follows it, shows that.
      await stream.until(
        (e) => e.event === 'stage' && (e.data as { stage: string }).stage === 'DISPLAY_NAME_REVIEW',
        'the review',
      );
      await sandbox('POST', `/numbers/${phoneNumberId}/display-name-decision`, { decision: 'APPROVED' });
      await sandbox('POST', '/webhooks/flush'); // Meta's name webhook reaches the receiver, which signals the journey
      const live = await api.until(e164, (v) => v.stage === 'LIVE', 'LIVE');
      expect(live.displayName).toMatchObject({ current: body.displayName, status: 'APPROVED' });

      await stream.until(showsStage('LIVE'), 'LIVE');
      for (let attempt = 0; attempt < 100 && stream.comments() === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50)); // a keep-alive every 300 ms here
      }
      stream.close();
      expect(stream.comments()).toBeGreaterThan(0);
      expect(stream.events[0]).toMatchObject({ id: '1', event: 'view', data: { e164, wabaId: body.wabaId } });
      // The stream reads the journey every 200 ms here (a stage that lasts less may not show): the ones the journey
      // waited in show, in the journey's order.
      const shown = stages(stream.events);
      const waitedIn = ['AWAITING_OTP', 'DISPLAY_NAME_REVIEW', 'LIVE'].map((stage) => shown.indexOf(stage));
      expect(
        waitedIn.every((at) => at >= 0),
        shown.join(' '),
      ).toBe(true);
      expect([...waitedIn].sort((a, b) => a - b)).toEqual(waitedIn);
      const notes = stream.events.filter((e) => e.event === 'note').map((e) => e.data);
      expect(notes).toContainEqual(
        expect.objectContaining({ actor: 'operator@test', what: 'submitted the code: verified' }),
      );
      expect(stream.events.map((e) => Number(e.id))).toEqual(stream.events.map((_e, i) => i + 1));
      // The retried verify was said as it went (its attempt, then that it was over), before the review.
      const calls = stream.events
        .filter((e) => e.event === 'call')
        .map((e) => e.data as Pick<JourneyView, 'callUnderWay'>);
      expect(calls[0]?.callUnderWay).toMatchObject({ endpoint: 'POST /{phone-number-id}/verify_code', attempt: 2 });
      expect(calls.at(-1)).toEqual({ callUnderWay: null });
    });
  });

  it("takes a code typed in another script's digits, as the number's own digits are", async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      const { phoneNumberId } = await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const { code } = (await sandbox('GET', `/outbox/${phoneNumberId}/latest`)) as { code: string };
      // Arabic-Indic digits (U+0660…), as Meta's "123-830" is written on an Arabic keyboard.
      const typed = `${code.slice(0, 3)}-${code.slice(3)}`.replace(/\d/g, (d) =>
        String.fromCodePoint(0x660 + Number(d)),
      );
      const answer = await api.call<Outcome>('POST', `/v1/journeys/${e164}/otp`, {
        as: 'operator',
        body: { code: typed },
      });
      expect(answer).toMatchObject({ status: 200, body: { outcome: 'accepted', message: 'code accepted' } });
      await api.until(e164, (v) => v.stage === 'DISPLAY_NAME_REVIEW', 'the code verified');
    });
  });

  it('answers pending, saying why it may be, a code the journey has not answered within waitSeconds', async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      const { phoneNumberId } = await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const { code } = (await sandbox('GET', `/outbox/${phoneNumberId}/latest`)) as { code: string };
      // Meta takes 4 s to verify: the answer is not there within the second asked for.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs: 4_000, times: 2 });
      const slow = await api.call<Outcome>('POST', `/v1/journeys/${e164}/otp?waitSeconds=1`, {
        as: 'operator',
        body: { code },
      });
      expect(slow).toMatchObject({ status: 200, body: { outcome: 'pending', attemptsLeft: null } });
      expect(slow.body.message).toBe(
        'still working: the journey has not answered within 1 s (Meta may be slow, or a worker stopped while ' +
          `handling it: Temporal gives the work to another worker once it times out); follow GET /v1/journeys/${e164}`,
      );
      await api.until(e164, (v) => v.stage === 'DISPLAY_NAME_REVIEW', 'the code verified after all');
    });
  });

  it('shows a run terminated through Temporal as ended, not as still waiting; its stream ends', async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const stream = await openEvents(api, e164, 'auditor');
      await stream.until(showsStage('AWAITING_OTP'), 'the wait for a code');
      // A HEAD of the running journey's stream (a proxy's, a health check's) is answered at once, with no stream.
      const head = await fetch(`${api.url}/v1/journeys/${e164}/events`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${api.tokens.auditor}` },
        signal: AbortSignal.timeout(15_000),
      });
      expect([head.status, head.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
      // A token removed from the file while its stream is open: the stream ends, and says nothing more.
      const kept = readFileSync(api.tokenFile, 'utf8');
      const token = addPrincipal(api.tokenFile, { name: 'leaving@test', roles: ['auditor'] });
      const read = () => api.call('GET', `/v1/journeys/${e164}`, { as: { token } });
      await eventually(read, (answer) => answer.status === 200, 'the new token taken'); // the file is read each second
      const revoked = await openEvents(api, e164, { token });
      await revoked.until(showsStage('AWAITING_OTP'), "the leaving auditor's first view");
      writeFileSync(api.tokenFile, kept);
      await revoked.ended;
      expect(revoked.events.map((e) => e.event)).toEqual(['view']);
      // Each stream's request line is written when it ends, once: Fastify's own, which comes only after a stream the
      // service ended (a HEAD, a revoked token's), is not written again.
      const lines = streamLines(e164);
      expect(lines.filter((line) => line.method === 'HEAD')).toEqual([
        expect.objectContaining({ status: 200, streamed: true, events: 0, principal: 'auditor@test' }),
      ]);
      expect(lines.filter((line) => line.principal === 'leaving@test')).toEqual([
        expect.objectContaining({ method: 'GET', status: 200, streamed: true, events: 1 }),
      ]);
      expect((await read()).status).toBe(401);
      await t.env.client.workflow.getHandle(journeyWorkflowId(e164)).terminate('ops test');
      const ended = await api.call<JourneyView>('GET', `/v1/journeys/${e164}`, { as: 'auditor' });
      expect(ended.body).toMatchObject({
        stage: 'FAILED',
        waiting: null,
        deadlines: { codeExpiresAt: null, codeLastsUntil: null, signupExpiresAt: null }, // its waits ended with it
        result: {
          outcome: 'FAILED',
          reasonCode: 'RUN_TERMINATED',
          reason: "the journey's run was terminated in Temporal, outside the journey, in stage AWAITING_OTP",
          remediation: expect.stringContaining(`numberflow audit ${e164}`),
        },
      });
      const end = await stream.until((e) => e.event === 'end', 'the end of the stream');
      expect(end.data).toMatchObject({ result: { reasonCode: 'RUN_TERMINATED' } });
      stream.close();
    });
  });

  it("records the token's principal as the actor in the journey's history, never a name the caller gives", async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      const claimed = await api.call('POST', '/v1/journeys', {
        as: 'onboarding',
        body: api.startBody({ requestedBy: 'someone-else' }),
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(claimed.status).toBe(400); // who acts is not the caller's to say
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const cancelled = await act(e164, 'cancel', { reason: 'wrong number' });
      expect(cancelled).toMatchObject({ status: 200, body: { outcome: 'pending' } });
      const ended = await api.until(e164, (v) => v.result !== null, 'cancelled');
      expect(ended.result).toMatchObject({ outcome: 'CANCELLED', actor: 'operator@test' });

      const history = await t.env.client.workflow.getHandle(journeyWorkflowId(e164)).fetchHistory();
      const payloads = (await decodedPayloadTexts(history)).join('\n');
      expect(payloads).toContain('"requestedBy":"onboarding@test"'); // the start's input
      expect(payloads).toContain('"reason":"wrong number","actor":"operator@test"'); // the cancel update's input
      expect(payloads).not.toContain('someone-else');
    });
  });

  it('refuses a removal asked for by an operator, and removes a live number at an admin’s request', async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      const { phoneNumberId } = await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const { code } = (await sandbox('GET', `/outbox/${phoneNumberId}/latest`)) as { code: string };
      expect((await act(e164, 'otp', { code })).body.outcome).toBe('accepted');
      await api.until(e164, (v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      await sandbox('POST', `/numbers/${phoneNumberId}/display-name-decision`, { decision: 'APPROVED' });
      await sandbox('POST', '/webhooks/flush');
      await api.until(e164, (v) => v.stage === 'LIVE', 'LIVE');
      // The code's submission carries when the service took it (Temporal may hold it until a worker runs).
      const inputs = await decodedPayloadTexts(
        await t.env.client.workflow.getHandle(journeyWorkflowId(e164)).fetchHistory(),
      );
      expect(inputs.join('\n')).toMatch(/"actor":"operator@test","submittedAt":"\d{4}-\d\d-\d\dT[\d:.]+Z"/);

      const byOperator = await act(e164, 'removal', { reason: 'retired' }, 'operator');
      expect(byOperator.status).toBe(403);
      expect(byOperator.body).toMatchObject({
        error: { code: 'forbidden', message: expect.stringContaining('admin') },
      });
      // The journey refuses it too, whoever sends it: the role is checked again in the workflow.
      const direct = t.env.client.workflow
        .getHandle(journeyWorkflowId(e164))
        .executeUpdate(requestRemovalUpdate, { args: [{ actor: 'ops@acme', role: 'operator', reason: 'retired' }] });
      await expect(direct).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(direct).rejects.toMatchObject({ cause: { message: expect.stringContaining('only an admin') } });

      const stream = await openEvents(api, e164, 'operator');
      const removal = await act(e164, 'removal', { reason: 'retired' }, 'admin');
      expect(removal).toMatchObject({ status: 200, body: { outcome: 'pending' } });
      const removing = await api.until(e164, (v) => v.waiting?.for === 'admin', 'waiting for the admin to delete');
      expect(removing).toMatchObject({ stage: 'REMOVING', sendsPaused: true });

      const early = await act(e164, 'deletion-confirmation', {});
      expect(early).toMatchObject({ status: 200, body: { outcome: 'refused' } });
      expect(early.body.message).toMatch(/^Meta still shows the number/);
      await api.until(e164, (v) => v.waiting?.for === 'admin', 'waiting for the admin again');
      await sandbox('DELETE', `/numbers/${phoneNumberId}`);
      const confirmed = await act(e164, 'deletion-confirmation', undefined);
      expect(confirmed).toMatchObject({ status: 200, body: { outcome: 'accepted' } });

      const end = await stream.until((e) => e.event === 'end', 'the end');
      // With when it ended, by Temporal's clock (the journey's last stage entered).
      expect(end.data).toMatchObject({ result: { outcome: 'REMOVED', actor: 'admin@test' }, at: expect.any(String) });
      const ended = await api.call<JourneyView>('GET', `/v1/journeys/${e164}`);
      expect((end.data as { at: string }).at).toBe(ended.body.stagesEntered?.at(-1)?.at);
      await stream.ended; // the server closes the stream once the journey has ended
      const runs = await eventually(
        () => api.call<{ runs: JourneyListing[] }>('GET', `/v1/journeys/${e164}/runs`),
        (answer) => answer.body.runs[0]?.status !== 'RUNNING',
        'the run closed in visibility',
      );
      // It waited for the admin's deletion last; closed, it waits for nobody.
      expect(runs.body.runs[0]).toMatchObject({
        outcome: 'REMOVED',
        status: 'COMPLETED',
        waitingOn: null,
        waitingSince: null,
      });
    });
  });
});
