// The add and the code request against the sandbox: the add tells what Meta shows of a number already on the WABA
// only to a journey that asks (a journey from before reads no such field, and replays as it ran); a code request
// whose answer was lost is not a failure, and is said in the worker's log.
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphActivities } from '../../src/activities/graph-activities.js';
import { parsePhoneNumber } from '../../src/domain/phone.js';
import type { GraphClient } from '../../src/graph/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { graphOfWaba, sandboxWithWaba } from './support/sandbox-waba.js';

let sandbox: Sandbox;
let graph: GraphClient;
let wabaId: string;
let activities: ReturnType<typeof createGraphActivities>;

beforeAll(async () => {
  ({ sandbox, wabaId, graph } = await sandboxWithWaba('add-activity-secret', 12));
  activities = createGraphActivities({ graph });
});
afterAll(async () => {
  await graph.close();
  await sandbox.close();
});

describe('the add and the code request (Graph sandbox)', () => {
  const logged: LogEntry[] = [];
  const environment = new MockActivityEnvironment(undefined, {
    logger: new DefaultLogger('DEBUG', (entry) => void logged.push(entry)),
  });

  it("tells the code's status of a number already on the WABA only when asked, the first call or a repeat", async () => {
    const phoneNumber = parsePhoneNumber('+14155550181');
    const { id } = await graph.addPhoneNumber(wabaId, { cc: '1', phoneNumber: '4155550181', verifiedName: 'Acme' });
    const ref = { wabaId, phoneNumberId: id };
    await graph.requestCode(ref, { codeMethod: 'SMS', language: 'en_US' });
    await graph.verifyCode(ref, sandbox.admin.outbox({ phoneNumberId: id })[0]?.code as string);
    const request = { wabaId, phoneNumber, verifiedName: 'Acme' };
    const add = (...args: Parameters<typeof activities.addPhoneNumber>) =>
      environment.run(activities.addPhoneNumber, ...args) as ReturnType<typeof activities.addPhoneNumber>;
    for (const options of [{}, { repeat: true }]) {
      // A journey from before: the answer it always had, and nothing else.
      expect(await add(request, options)).toEqual({ phoneNumberId: id, alreadyAdded: true });
      expect(await add({ ...request, readsCodeStatus: true }, options)).toEqual({
        phoneNumberId: id,
        alreadyAdded: true,
        codeVerificationStatus: 'VERIFIED',
        status: expect.any(String),
        platformType: expect.anything(),
      });
    }
  });

  it('ends, before any code, an add that Meta read as another number', async () => {
    // A Meta that reads the number sent as its national number (what the sandbox does with one beginning with its
    // country code's digits): +91 91… is added as +91 …, two digits short.
    const national: GraphClient['addPhoneNumber'] = (waba, body) =>
      graph.addPhoneNumber(waba, { ...body, phoneNumber: body.phoneNumber.slice(body.cc.length) });
    const misreading = new Proxy(graph, {
      get: (target, name) => {
        if (name === 'addPhoneNumber') return national;
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const misread = createGraphActivities({ graph: misreading });
    const phoneNumber = parsePhoneNumber('+919123456781');
    const failure = await environment
      .run(misread.addPhoneNumber, { wabaId, phoneNumber, verifiedName: 'Acme India' })
      .catch((err: unknown) => err as Error & { type?: string; nonRetryable?: boolean });
    expect(failure).toMatchObject({ type: 'NUMBER_ADDED_AS_ANOTHER', nonRetryable: true });
    expect((failure as Error).message).toMatch(
      /^Meta added \+9123456781 \(phone_number_id \d+\) when asked for \+919123456781: delete \+9123456781 in WhatsApp Manager/,
    );
    // The number asked for is added as itself when sent whole.
    const added = await environment.run(activities.addPhoneNumber, { wabaId, phoneNumber, verifiedName: 'Acme India' });
    expect(added).toMatchObject({ alreadyAdded: false });
    expect(sandbox.admin.outbox({ phoneNumberId: (added as { phoneNumberId: string }).phoneNumberId })).toEqual([]);
  });

  it("says in the log, naming the number, when a code request's answer was lost", async () => {
    const { id } = await graph.addPhoneNumber(wabaId, { cc: '1', phoneNumber: '4155550182', verifiedName: 'Acme' });
    // A client that gives up on Meta's answer before the sandbox sends it (this call alone).
    const impatient = graphOfWaba(sandbox, wabaId, { requestTimeoutMs: 500 });
    sandbox.admin.injectFault({ endpoint: 'POST /request_code', kind: 'latency', latencyMs: 1_500, times: 1 });
    const answer = await environment.run(
      createGraphActivities({ graph: impatient }).requestCode,
      { wabaId, phoneNumberId: id },
      { method: 'SMS' as const, language: 'en_US' },
    );
    await impatient.close();
    expect(answer).toEqual({ certain: false });
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'a code request may have reached Meta, but its answer was lost',
        meta: expect.objectContaining({ phoneNumberId: id, method: 'SMS' }),
      }),
    );
  });
});
