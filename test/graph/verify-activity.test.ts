// The verify activity against the sandbox: when asked, it draws the PIN the journey will register with and answers
// it as `{pin}` (sealed by the codec in history), whether it verified the code now or found it verified already.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphActivities } from '../../src/activities/graph-activities.js';
import { GRAPH_FAILURE_TYPE } from '../../src/domain/meta-error.js';
import { GraphClient, type NumberRef } from '../../src/graph/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { sandboxWithWaba } from './support/sandbox-waba.js';

let sandbox: Sandbox;
let graph: GraphClient;
let wabaId: string;
let verifyCode: ReturnType<typeof createGraphActivities>['verifyCode'];

beforeAll(async () => {
  ({ sandbox, wabaId, graph } = await sandboxWithWaba('verify-activity-secret', 11));
  verifyCode = createGraphActivities({ graph }).verifyCode;
});
afterAll(() => sandbox.close());

/** A number added to the WABA with a code sent to it, and that code. */
async function numberAwaitingCode(national: string): Promise<{ ref: NumberRef; code: string }> {
  const { id } = await graph.addPhoneNumber(wabaId, { cc: '1', phoneNumber: national, verifiedName: 'Acme Support' });
  const ref = { wabaId, phoneNumberId: id };
  await graph.requestCode(ref, { codeMethod: 'SMS', language: 'en_US' });
  return { ref, code: sandbox.admin.outbox({ phoneNumberId: id })[0]?.code as string };
}

describe('the verify activity (Graph sandbox)', () => {
  const environment = new MockActivityEnvironment();
  const verify = (...args: Parameters<typeof verifyCode>) =>
    environment.run(verifyCode, ...args) as ReturnType<typeof verifyCode>;

  it('verifies the code and answers a drawn 6-digit PIN when asked for one', async () => {
    const { ref, code } = await numberAwaitingCode('4155550171');
    const answer = await verify(ref, { code }, { drawPin: true });
    expect(answer).toEqual({ pin: expect.stringMatching(/^\d{6}$/) as unknown });
    expect((await graph.getPhoneNumber(ref, ['code_verification_status'])).code_verification_status).toBe('VERIFIED');
  });

  it('answers nothing when not asked, as before', async () => {
    const { ref, code } = await numberAwaitingCode('4155550172');
    await expect(verify(ref, { code }, {})).resolves.toBeUndefined();
  });

  it('draws the PIN too when a repeated call finds the code verified already', async () => {
    const { ref, code } = await numberAwaitingCode('4155550173');
    await verify(ref, { code }, {});
    const answer = await verify(ref, { code }, { repeat: true, drawPin: true });
    expect(answer?.pin).toMatch(/^\d{6}$/);
  });

  it('takes a code Meta refuses as already taken (136025) for a number it shows verified: a first attempt again', async () => {
    // A local activity whose worker died after Meta took the code starts again at attempt 1, unguarded.
    const { ref, code } = await numberAwaitingCode('4155550175');
    await verify(ref, { code }, {});
    const calls = () => sandbox.admin.calls().filter((c) => c.path.includes(ref.phoneNumberId));
    const before = calls().length;
    const local = new MockActivityEnvironment({ isLocal: true });
    const answer = (await local.run(verifyCode, ref, { code }, { drawPin: true })) as Awaited<
      ReturnType<typeof verifyCode>
    >;
    expect(answer?.pin).toMatch(/^\d{6}$/);
    // Said as what it is: Meta refused the code and shows the number verified (the journey never says "accepted").
    expect(answer?.refusedButShownVerified).toBe(true);
    expect(calls().slice(before)).toEqual([
      expect.objectContaining({ endpoint: 'POST /{phone-number-id}/verify_code', status: 400 }),
      expect.objectContaining({ endpoint: 'GET /{phone-number-id}', status: 200 }),
    ]);
    // A journey drawing no PIN (the operator chooses it) hears the same.
    expect(await local.run(verifyCode, ref, { code }, {})).toEqual({ refusedButShownVerified: true });
  });

  it('throws a read that fails for now rather than the refusal, and keeps the refusal when Meta refuses the read for good', async () => {
    const { ref, code } = await numberAwaitingCode('4155550177');
    await verify(ref, { code }, {});
    const local = new MockActivityEnvironment({ isLocal: true });
    // Meta failing for now (131000): whether the code was ours is read again on the next attempt, not counted wrong.
    sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code: 131000 });
    await expect(local.run(verifyCode, ref, { code }, {})).rejects.toMatchObject({
      nonRetryable: false,
      details: [expect.objectContaining({ code: 131000 })],
    });
    // The next attempt (repeated: it reads first) finds the code taken.
    await expect(verify(ref, { code }, { repeat: true })).resolves.toBeUndefined();
    // Meta's rate limit (nonRetryable for Temporal: the journey waits it out) and a token to renew are for now too.
    for (const metaCode of [80007, 190]) {
      sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code: metaCode });
      await expect(local.run(verifyCode, ref, { code }, {})).rejects.toMatchObject({
        details: [expect.objectContaining({ code: metaCode })],
      });
    }
    // A read Meta refuses for good (a parameter it does not take, 100) leaves Meta's refusal as it was.
    sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code: 100 });
    await expect(local.run(verifyCode, ref, { code }, {})).rejects.toMatchObject({
      details: [expect.objectContaining({ code: 136025 })],
    });
    // So does a failure the journey would not wait out (here the token's own lookup failing as it never does): it
    // would end the journey where a refused code costs one attempt.
    let lookups = 0;
    const flakyGraph = new GraphClient({
      baseUrl: sandbox.url,
      tokens: {
        tokenFor: async () => {
          lookups += 1;
          if (lookups === 2) throw new Error('the token lookup failed');
          return sandbox.admin.issueToken({ wabaIds: [wabaId] });
        },
      },
    });
    try {
      const flaky = createGraphActivities({ graph: flakyGraph });
      await expect(local.run(flaky.verifyCode, ref, { code }, {})).rejects.toMatchObject({
        details: [expect.objectContaining({ code: 136025 })],
      });
      expect(lookups).toBe(2); // the verify call's, then the read's
    } finally {
      await flakyGraph.close();
    }
  });

  it('keeps a first activity attempt unguarded: a refused code is a refusal, even for a number Meta shows verified', async () => {
    const { ref, code } = await numberAwaitingCode('4155550176');
    await verify(ref, { code }, {});
    await expect(verify(ref, { code }, {})).rejects.toMatchObject({
      details: [expect.objectContaining({ code: 136025 })],
    });
  });

  it('draws nothing for a code Meta refuses: the refusal is thrown', async () => {
    const { ref, code } = await numberAwaitingCode('4155550174');
    const wrong = code === '000000' ? '111111' : '000000';
    await expect(verify(ref, { code: wrong }, { drawPin: true })).rejects.toMatchObject({
      type: GRAPH_FAILURE_TYPE,
      details: [expect.objectContaining({ code: 136025 })],
    });
  });
});

describe('a verify call made again while Meta is slow to answer it (Graph sandbox)', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const verifies = (ref: NumberRef) =>
    sandbox.admin
      .calls()
      .filter((c) => c.endpoint === 'POST /{phone-number-id}/verify_code' && c.path.includes(ref.phoneNumberId))
      .map((c) => c.status);
  const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');

  /** The task's call with `code`, let go of after 300 ms (its 3 s budget, shortened), as Meta takes `latencyMs`. */
  async function letGo(ref: NumberRef, code: string, latencyMs: number): Promise<void> {
    sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs, times: 1 });
    const local = new MockActivityEnvironment({ isLocal: true });
    const call = local.run(verifyCode, ref, { code }, {}).catch(() => undefined);
    await sleep(300);
    local.cancel();
    await call;
  }

  it("joins the call still on its way: one of Meta's attempts for a wrong code", async () => {
    const { ref, code } = await numberAwaitingCode('4155550181');
    await letGo(ref, wrongFor(code), 1_500);
    const repeat = new MockActivityEnvironment().run(verifyCode, ref, { code: wrongFor(code) }, { repeat: true });
    await expect(repeat).rejects.toMatchObject({ type: GRAPH_FAILURE_TYPE, details: [{ code: 136025 }] });
    expect(verifies(ref)).toEqual([400]);
  });

  it('answers a repeat with the answer Meta gave that call a moment before it', async () => {
    const { ref, code } = await numberAwaitingCode('4155550182');
    await letGo(ref, wrongFor(code), 600);
    await sleep(600); // answered before the activity taking over starts
    const repeat = new MockActivityEnvironment().run(verifyCode, ref, { code: wrongFor(code) }, { repeat: true });
    await expect(repeat).rejects.toMatchObject({ type: GRAPH_FAILURE_TYPE, details: [{ code: 136025 }] });
    expect(verifies(ref)).toEqual([400]);
    // The right code, answered a moment before, stands as taken.
    await letGo(ref, code, 600);
    await sleep(600);
    await expect(
      new MockActivityEnvironment().run(verifyCode, ref, { code }, { repeat: true, drawPin: true }),
    ).resolves.toEqual({ pin: expect.stringMatching(/^\d{6}$/) as unknown });
    expect(verifies(ref)).toEqual([400, 200]);
  });

  it('joins the call from a local activity run again at its first attempt (a task retried)', async () => {
    const { ref, code } = await numberAwaitingCode('4155550183');
    await letGo(ref, wrongFor(code), 1_500);
    const again = new MockActivityEnvironment({ isLocal: true }).run(verifyCode, ref, { code: wrongFor(code) }, {});
    await expect(again).rejects.toMatchObject({ type: GRAPH_FAILURE_TYPE });
    expect(verifies(ref)).toEqual([400]);
  });
});
