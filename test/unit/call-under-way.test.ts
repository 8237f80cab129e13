// The retried call is read after the journey's view: Temporal failing that read leaves the view standing, without it.
// Real gRPC: a client whose frontend's port has nothing listening (a stopped server).
import { describe, expect, it } from 'vitest';
import { graphCallOf } from '../../src/audit/graph-calls.js';
import { callUnderWay } from '../../src/journeys/call-under-way.js';
import { useUnreachableClient } from '../support/processes.js';

describe('the Graph call under way', () => {
  it('says what each Graph call is for without its arguments, which a description of the run does not hold', () => {
    const purposes = ['requestCode', 'requestDisplayNameChange', 'setIdentityCheck', 'syncSmbAppData'].map((activity) =>
      graphCallOf(activity)?.what([]),
    );
    expect(purposes).toEqual([
      'request a verification code by SMS or VOICE',
      "send the display name to Meta's review",
      'turn the identity-change check on or off',
      'run the one-time Business App sync',
    ]);
  });

  const unreachableClient = useUnreachableClient();

  it('is none when Temporal cannot be asked, rather than failing the view it goes with', async () => {
    const client = await unreachableClient();
    await expect(client.workflow.getHandle('number:+14155552671').describe()).rejects.toThrow(); // unreachable
    await expect(callUnderWay(client, 'number:+14155552671')).resolves.toBeNull();
  });
});
