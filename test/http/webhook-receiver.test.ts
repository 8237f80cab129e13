import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyTimeline } from '../../src/audit/index.js';
import { signWebhookBody } from '../../src/graph/signature.js';
import { useBench } from '../support/bench.js';
import { startLive, submitDeliveredCode } from '../support/steps.js';
import { harnessHttpApp, loggerInto } from '../support/http-app.js';

const SECRET = 'receiver-test-secret';
const VERIFY_TOKEN = 'receiver-verify-token-1f3e';

describe("Meta's webhook receiver (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  let app: FastifyInstance;
  const logLines: string[] = [];
  beforeAll(async () => {
    app = await harnessHttpApp(t.bench, {
      appSecret: SECRET,
      verifyToken: VERIFY_TOKEN,
      logger: loggerInto(logLines),
    });
  });
  afterAll(async () => app?.close());

  const post = (body: string, signature: string | null = signWebhookBody(body, SECRET)) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/meta',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
      payload: body,
    });

  it('answers the handshake with the challenge, refuses a wrong token, and never logs the token', async () => {
    const ok = await app.inject({
      url: `/webhooks/meta?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=8147`,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('8147');
    const wrong = await app.inject({ url: '/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1' });
    expect(wrong.statusCode).toBe(403);
    expect(logLines.join('')).toContain('/webhooks/meta');
    expect(logLines.join('')).not.toContain(VERIFY_TOKEN);
  });

  it('refuses unsigned, badly signed and altered bodies before parsing them', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    expect((await post(body, null)).statusCode).toBe(401);
    expect((await post(body, 'sha256=00')).statusCode).toBe(401);
    expect((await post(`${body} `, signWebhookBody(body, SECRET))).statusCode).toBe(401);
    const before = logLines.length;
    expect((await post('{not json', signWebhookBody('{not json', SECRET))).statusCode).toBe(200); // signed: taken, logged
    // The log says what the sender was answered: taken (200), not refused.
    const logged = logLines.slice(before).map((line) => JSON.parse(line) as { msg: string; status?: number });
    expect(logged.filter((line) => line.msg.startsWith('webhook'))).toEqual([
      expect.objectContaining({
        msg: 'webhook taken unread: signed, but not a change numberflow can use',
        status: 200,
        client: expect.any(String), // its request line is at debug: the warning names the sender
      }),
    ]);
  });

  it("logs Meta's deliveries at debug, a refusal at info and warn", async () => {
    const before = logLines.length;
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    expect((await post(body)).statusCode).toBe(200);
    expect((await post(body, 'sha256=00')).statusCode).toBe(401);
    // Past the body limit Fastify answers before the handler: the request line is the only trace.
    const tooLarge = await post('x'.repeat(3 * 1024 * 1024 + 2), 'sha256=00');
    expect({ status: tooLarge.statusCode, body: tooLarge.json() as unknown }).toEqual({
      status: 413,
      body: { error: 'the body exceeds 3145728 bytes' }, // Meta's limit, as the handler words its refusals
    });
    const lines = logLines
      .slice(before)
      .map((line) => JSON.parse(line) as { level: number; msg: string; status?: number });
    const requestLines = lines.filter((line) => line.msg === 'request');
    expect(requestLines.map(({ level, status }) => ({ level, status }))).toEqual([
      { level: 30, status: 401 },
      { level: 30, status: 413 },
    ]);
    expect(lines.filter((line) => line.msg === 'webhook routed')).toEqual([]); // it changed nothing: debug
    expect(lines.filter((line) => line.msg === 'webhook refused').map((line) => line.level)).toEqual([40]);
    // The refusal's warning and its request line share the request's id; the line names who sent it.
    const refused = lines.find((line) => line.msg === 'webhook refused') as { reqId?: unknown };
    expect(refused.reqId).toBeDefined();
    expect(lines.find((line) => line.msg === 'request' && line.status === 401)).toMatchObject({
      reqId: refused.reqId,
      client: '127.0.0.1',
    });
    const debugLines: string[] = [];
    const debugApp = await harnessHttpApp(t.bench, {
      appSecret: SECRET,
      verifyToken: VERIFY_TOKEN,
      logger: loggerInto(debugLines, 'debug'),
    });
    try {
      const answer = await debugApp.inject({
        method: 'POST',
        url: '/webhooks/meta',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, SECRET) },
        payload: body,
      });
      expect(answer.statusCode).toBe(200);
      const requestLines = debugLines
        .map((line) => JSON.parse(line) as { level: number; msg: string; path?: string; status?: number })
        .filter((line) => line.msg === 'request');
      expect(requestLines).toMatchObject([{ level: 20, path: '/webhooks/meta', status: 200 }]);
    } finally {
      await debugApp.close();
    }
  });

  it('names the client a trusted proxy forwards for, with the proxy, and believes no other sender', async () => {
    const lines: string[] = [];
    const proxied = await harnessHttpApp(t.bench, {
      appSecret: SECRET,
      verifyToken: VERIFY_TOKEN,
      logger: loggerInto(lines),
      trustedProxies: ['10.0.0.0/8'],
    });
    try {
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
      for (const [remoteAddress, forwardedFor] of [
        ['10.1.2.3', '203.0.113.9'],
        ['192.0.2.7', '203.0.113.9'],
        ['10.1.2.3', '<script>x</script>'],
        ['10.1.2.3', '203.0.113.9:5678'],
        ['10.1.2.3', '[2001:db8::1]:443'],
      ] as const) {
        const refused = await proxied.inject({
          method: 'POST',
          url: '/webhooks/meta',
          remoteAddress,
          headers: {
            'content-type': 'application/json',
            'x-forwarded-for': forwardedFor,
            'x-hub-signature-256': 'sha256=00',
          },
          payload: body,
        });
        expect(refused.statusCode).toBe(401);
      }
      const requestLines = lines
        .map((line) => JSON.parse(line) as { msg: string; client?: string; proxy?: string; forwarded?: string })
        .filter((line) => line.msg === 'request')
        .map(({ client, proxy, forwarded }) => ({ client, proxy, forwarded }));
      expect(requestLines).toEqual([
        { client: '203.0.113.9', proxy: '10.1.2.3', forwarded: undefined }, // through the proxy
        { client: '192.0.2.7', proxy: undefined, forwarded: undefined }, // a sender not trusted: not believed
        { client: '10.1.2.3', proxy: undefined, forwarded: 'not an address' }, // a name that is no address
        { client: '203.0.113.9', proxy: '10.1.2.3', forwarded: undefined }, // with a port, as some proxies write it
        { client: '2001:db8::1', proxy: '10.1.2.3', forwarded: undefined },
      ]);
    } finally {
      await proxied.close();
    }
  });

  it("routes a signed name decision to the number's journey, and the same one twice changes nothing", async () => {
    await t.bench.run(async () => {
      const input = t.bench.input();
      const journey = await t.bench.start(input);
      await submitDeliveredCode(t.bench, journey);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      const change = {
        field: 'phone_number_name_update',
        value: {
          display_phone_number: input.phoneNumber.e164.slice(1),
          decision: 'APPROVED',
          requested_verified_name: input.displayName,
          rejection_reason: null,
        },
      };
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: t.bench.wabaId, time: Math.floor(Date.now() / 1000), changes: [change] }],
      });
      // The same decision from another WABA (the number's old one, say) is not the journey's: noted and ignored.
      const elsewhere = body.replace(`"id":"${t.bench.wabaId}"`, '"id":"990011223344556"');
      expect(elsewhere).not.toBe(body);
      expect((await post(elsewhere)).statusCode).toBe(200);
      const ignored = await journey.until(
        (v) => v.notes.some((n) => n.what.includes('event of WABA 990011223344556')),
        'the other WABA event noted',
      );
      expect(ignored.stage).toBe('DISPLAY_NAME_REVIEW');
      expect(ignored.notes.find((n) => n.what.includes('990011223344556'))).toMatchObject({
        actor: 'meta',
        what: `a name event of WABA 990011223344556 about this number was ignored: the journey is on WABA ${t.bench.wabaId}`,
      });
      expect(ignored.recentEvents.filter((e) => e.kind === 'name')).toEqual([]);
      const before = logLines.length;
      const answer = await post(body);
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ received: 1 });
      const routed = logLines.slice(before).map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(routed.filter((line) => line.msg === 'webhook routed').map((line) => line.level)).toEqual([30]);
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      // Meta delivers again when it missed the answer: the same decision twice leaves the journey as once.
      expect((await post(body)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Only the log of recent webhook events shows the copy (it records what arrived, duplicates included).
      const { recentEvents: _again, ...twice } = await journey.view();
      const { recentEvents: _once, ...once } = live;
      expect(twice).toEqual(once);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("shows Meta's latest quality update of a number with its messaging limit", async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench);
      const quality = (event: string, limit: string, time = Math.floor(Date.now() / 1000)) => {
        const value = { display_phone_number: view.e164.slice(1), event, current_limit: limit };
        return JSON.stringify({
          object: 'whatsapp_business_account',
          entry: [{ id: t.bench.wabaId, time, changes: [{ field: 'phone_number_quality_update', value }] }],
        });
      };
      expect((await post(quality('FLAGGED', 'TIER_250'))).statusCode).toBe(200);
      const flagged = await journey.until((v) => v.quality?.event === 'FLAGGED', 'flagged');
      expect(flagged.quality).toMatchObject({ event: 'FLAGGED', limit: 'TIER_250' });
      expect((await post(quality('UPGRADE', 'TIER_1K'))).statusCode).toBe(200);
      const upgraded = await journey.until((v) => v.quality?.event === 'UPGRADE', 'upgraded');
      expect(upgraded.quality).toMatchObject({ event: 'UPGRADE', limit: 'TIER_1K' });
      expect(upgraded.notes).toEqual(flagged.notes); // shown, not noted: the audit has each
      // One dated before, delivered late (Meta retries): heard, but the newer one stays the number's quality.
      expect((await post(quality('DOWNGRADE', 'TIER_50', Math.floor(Date.now() / 1000) - 3600))).statusCode).toBe(200);
      await journey.until((v) => v.recentEvents.some((e) => e.kind === 'quality' && e.event === 'DOWNGRADE'), 'heard');
      expect((await journey.view()).quality).toMatchObject({ event: 'UPGRADE', limit: 'TIER_1K' });
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("pauses a live number's sends while Meta has its WABA disabled or its partner removed, and resumes them when Meta brings it back", async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const send = async (value: Record<string, unknown>, time = Math.floor(Date.now() / 1000)) => {
        const body = JSON.stringify({
          object: 'whatsapp_business_account',
          entry: [{ id: t.bench.wabaId, time, changes: [{ field: 'account_update', value }] }],
        });
        expect((await post(body)).statusCode).toBe(200);
      };
      const ban = (state: string) => ({ event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: state } });
      await send(ban('SCHEDULE_FOR_DISABLE')); // not yet: noted only
      await journey.until(
        (v) => v.recentEvents.some((e) => e.kind === 'account' && e.banState === 'SCHEDULE_FOR_DISABLE'),
        'the scheduled ban heard',
      );
      expect(await journey.view()).toMatchObject({ sendsPaused: false, stoppedByMeta: null });
      await send(ban('DISABLE'));
      const disabled = await journey.until((v) => v.stoppedByMeta !== null, 'stopped by Meta');
      expect(disabled).toMatchObject({
        stage: 'LIVE',
        sendsPaused: true,
        stoppedByMeta: { event: 'DISABLED_UPDATE', detail: 'waba_ban_state DISABLE' },
      });
      // A partner removed during the ban, then added (another number's signup, say), lifts no ban: its REINSTATE
      // alone does.
      await send({ event: 'PARTNER_REMOVED', waba_info: { waba_id: t.bench.wabaId } });
      await journey.until((v) => v.recentEvents.some((e) => e.kind === 'partner_removed'), 'the partner removed heard');
      await send({ event: 'PARTNER_ADDED', waba_info: { waba_id: t.bench.wabaId } });
      await journey.until(
        (v) => v.recentEvents.some((e) => e.kind === 'account' && e.event === 'PARTNER_ADDED'),
        'the partner added heard',
      );
      expect((await journey.view()).stoppedByMeta).toMatchObject({ event: 'DISABLED_UPDATE' });
      await send(ban('REINSTATE'));
      const back = await journey.until((v) => v.stoppedByMeta === null, 'brought back');
      expect(back.sendsPaused).toBe(false);
      expect(back.notes.map((n) => n.what)).toContain('DISABLED_UPDATE: sends resumed (DISABLED_UPDATE lifted)');
      // The ban delivered again, dated before the reinstatement (Meta retries): it changes nothing.
      await send(ban('DISABLE'), Math.floor(Date.now() / 1000) - 60);
      await journey.until((v) => v.recentEvents.filter((e) => e.kind === 'account').length === 5, 'the copy heard');
      expect(await journey.view()).toMatchObject({ stoppedByMeta: null, sendsPaused: false });
      await send({
        event: 'PARTNER_REMOVED',
        waba_info: { waba_id: t.bench.wabaId },
        disconnection_info: { reason: 'PRIMARY_INACTIVITY', initiated_by: 'SYSTEM' },
      });
      const removed = await journey.until((v) => v.stoppedByMeta !== null, 'the partner removed');
      expect(removed.stoppedByMeta).toMatchObject({
        event: 'PARTNER_REMOVED',
        detail: 'PRIMARY_INACTIVITY, by SYSTEM',
      });
      expect(removed.sendsPaused).toBe(true);
      await send({ event: 'ACCOUNT_RECONNECTED' });
      expect((await journey.until((v) => v.stoppedByMeta === null, 'reconnected')).sendsPaused).toBe(false);
      // One naming a number is that number's: another journey of the WABA is not stopped by it.
      const other = await t.bench.start(t.bench.input());
      await other.until((v) => v.stage === 'AWAITING_OTP', 'the other journey under way');
      const { e164 } = await journey.view();
      await send({
        event: 'PARTNER_REMOVED',
        phone_number: e164.slice(1),
        disconnection_info: { reason: 'NUMBER_CHANGED', initiated_by: 'USER' },
      });
      await journey.until((v) => v.stoppedByMeta?.detail === 'NUMBER_CHANGED, by USER', 'its own removal');
      expect((await other.view()).stoppedByMeta).toBeNull();
      await t.env.client.workflow.getHandle(other.workflowId).terminate('test done');
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("tells the WABA's journeys of every restriction an ACCOUNT_RESTRICTION lists, and of a ban, a violation and a review with what Meta said", async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const expiration = Math.floor(Date.now() / 1000) + 7 * 24 * 60 * 60;
      const restriction_info = ['RESTRICTED_BIZ_INITIATED_MESSAGING', 'RESTRICTED_ADD_PHONE_NUMBER_ACTION'].map(
        (restriction_type) => ({ restriction_type, expiration }),
      );
      const change = { field: 'account_update', value: { event: 'ACCOUNT_RESTRICTION', restriction_info } };
      const time = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: t.bench.wabaId, time, changes: [change] }],
      });
      expect((await post(body)).statusCode).toBe(200);
      const told = await journey.until(
        (v) => v.recentEvents.filter((e) => e.kind === 'restriction').length === 2,
        'both restrictions heard',
      );
      expect(told.recentEvents.flatMap((e) => (e.kind === 'restriction' ? [e.restrictionType] : []))).toEqual([
        'RESTRICTED_BIZ_INITIATED_MESSAGING',
        'RESTRICTED_ADD_PHONE_NUMBER_ACTION',
      ]);
      // A ban, a violation and the account's review say what Meta said with them, in the notes and the audit.
      const banned = {
        event: 'DISABLED_UPDATE',
        ban_info: { waba_ban_state: ['DISABLE'], waba_ban_date: 'April 17, 2025' },
      };
      const violation = { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } };
      const changes = [
        { field: 'account_update', value: banned },
        { field: 'account_update', value: violation },
        { field: 'account_review_update', value: { decision: 'REJECTED' } },
      ];
      const said = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: t.bench.wabaId, time, changes }],
      });
      expect((await post(said)).statusCode).toBe(200);
      const expected = [
        'account update DISABLED_UPDATE (waba_ban_state DISABLE from April 17, 2025)',
        'account update ACCOUNT_VIOLATION (violation SCAM)',
        'account update ACCOUNT_REVIEW_UPDATE (decision REJECTED)',
      ];
      const noted = await journey.until(
        (v) => expected.every((what) => v.notes.some((n) => n.actor === 'meta' && n.what === what)),
        'the account updates noted',
      );
      const audit = await journeyTimeline(t.env.client, noted.e164);
      expect(audit.entries.map((e) => e.what)).toEqual(expect.arrayContaining(expected));
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });
});
