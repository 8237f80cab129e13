// The timeline reads a brief stage (ADDING, VERIFYING_CODE: no upsert since the patch fewer-visibility-writes) from
// the local activity that made its call, and only in a run whose start showed its stage.
import { describe, expect, it } from 'vitest';
import { localCall, started, timelineOf, upsert } from '../support/history-events.js';

describe("the audit's brief stages", () => {
  it('enters ADDING from the add made inside the task, before the next upsert', async () => {
    const { entries } = await timelineOf([
      started('WAITING_FOR_CAPACITY'),
      localCall(2, 'addPhoneNumber', { phoneNumberId: '123', alreadyAdded: false }),
      upsert(3, 'REQUESTING_CODE'),
    ]);
    expect(entries.filter((e) => e.kind === 'stage').map((e) => e.what)).toEqual([
      'entered ADDING',
      'entered REQUESTING_CODE',
    ]);
    expect(entries.find((e) => e.kind === 'graph_call')).toMatchObject({
      stage: 'ADDING',
      outcome: 'phone_number_id 123',
    });
  });

  it('writes no stage for a run whose start showed none (a server without search attributes)', async () => {
    const { entries } = await timelineOf([
      started(null),
      localCall(2, 'addPhoneNumber', { phoneNumberId: '123', alreadyAdded: false }),
      localCall(3, 'verifyCode', {}),
    ]);
    expect(entries.filter((e) => e.kind === 'stage')).toEqual([]);
    expect(entries.filter((e) => e.kind === 'graph_call').map((e) => e.stage)).toEqual([
      'WAITING_FOR_CAPACITY',
      'WAITING_FOR_CAPACITY',
    ]);
  });
});
