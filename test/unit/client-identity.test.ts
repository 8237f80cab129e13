// The identity numberflow's clients give Temporal, and the way an auditor reads an action came from it.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineUser } from '../../src/machine-user.js';
import { channelOf, clientIdentity } from '../../src/temporal/client-identity.js';

describe("a client's identity, and the way an action came", () => {
  it('names the process, the user by its uid (the environment only when the system has no name), the host and the pid', () => {
    expect(clientIdentity('cli', { USER: 'someone-else' }, () => 'ana')).toBe(
      `numberflow-cli:ana@${hostname()}:${process.pid}`,
    );
    const nameless = () => {
      throw new Error('no name for uid 4242');
    };
    expect(clientIdentity('service', { LOGNAME: 'svc' }, nameless)).toBe(
      `numberflow-service:svc@${hostname()}:${process.pid}`,
    );
    expect(clientIdentity('worker', {}, nameless)).toBe(`numberflow-worker:unknown@${hostname()}:${process.pid}`);
    // Temporal refuses an identity past 1,000 characters: the user is cut, between code points.
    const long = clientIdentity('cli', {}, () => `${'u'.repeat(63)}😀😀`);
    expect(long).toBe(`numberflow-cli:${'u'.repeat(63)}😀…@${hostname()}:${process.pid}`);
    expect(channelOf(long)).toBe(`numberflow's command line in direct mode, run by ${'u'.repeat(63)}😀…@${hostname()}`);
    expect(machineUser({}, () => 'root')).toBe('root');
    expect(machineUser({}, nameless)).toBe('');
  });

  it("reads numberflow's processes, the Temporal CLI and other clients, and says nothing of an SDK's default", () => {
    expect(channelOf(clientIdentity('service'))).toBe("numberflow's HTTP service (the API or the console)");
    expect(channelOf('numberflow-cli:ana@ops-laptop:4242')).toBe(
      "numberflow's command line in direct mode, run by ana@ops-laptop",
    );
    expect(channelOf('numberflow-worker:node@worker-1:7')).toBe("numberflow's worker");
    expect(channelOf('temporal-cli:bo@bastion')).toBe('the Temporal CLI, run by bo@bastion');
    expect(channelOf('my-script')).toBe('a Temporal client that calls itself "my-script"');
    expect(channelOf(`x${'y'.repeat(200)}`)).toBe(`a Temporal client that calls itself "x${'y'.repeat(119)}…"`);
    expect(channelOf(`${'x'.repeat(119)}😀😀`)).toBe(`a Temporal client that calls itself "${'x'.repeat(119)}😀…"`);
    for (const none of [undefined, null, '', '16249@vm', '16249@vm@']) expect(channelOf(none)).toBeNull();
  });
});
