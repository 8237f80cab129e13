// The worker is killed (SIGKILL) at the points a journey is most exposed, then started again; every journey goes
// on. One kill covers all points at once (journeys run side by side): awaiting the code, during a slow register,
// right after a code submission, awaiting CONNECTED, during removal. Meta (the sandbox) and the webhook receiver
// stay in this process, so they see the whole run; only the worker process dies.
import { describe, expect, it } from 'vitest';
import { confirmDeletionSignal, requestRemovalSignal } from '../../src/domain/messages.js';
import type { JourneyView } from '../../src/domain/journey.js';
import type { CallLogEntry } from '../../src/sandbox/index.js';
import { useBench } from '../support/bench.js';
import { callsFor, succeeded } from '../support/call-counts.js';
import type { JourneyHandle } from '../support/harness.js';
import { useWorkerChildren } from '../support/worker-children.js';
import { startLive, submitDeliveredCode } from '../support/steps.js';

const SLOW_CALL = { kind: 'latency', latencyMs: 6_000, times: 1 } as const;
const removal = { actor: 'admin@acme', role: 'admin', reason: 'number retired' };

describe('a worker killed mid-journey and started again (dev server + Graph sandbox, worker as a process)', () => {
  // CONNECTED comes 10 s after the register (sandbox time is real time); names are approved after 1 s.
  const t = useBench('dev', { sandbox: { connectDelayMs: 10_000, nameReviewDelayMs: 1_000 } });
  const workers = useWorkerChildren(t);
  const phoneOf = async (j: JourneyHandle) => (await j.view()).phoneNumberId as string;
  const calls = (): CallLogEntry[] => t.bench.sandbox.admin.calls();
  const registers = () => calls().filter((c) => c.endpoint.endsWith('/register')).length;

  it('completes every journey: one successful register per number, no code requested twice', async () => {
    const { bench } = t;
    const first = await workers.start();
    const start = () => bench.start(bench.input());
    const [awaitingCode, slowRegister, justSubmitted, awaitingConnected] = await Promise.all([
      start(),
      start(),
      start(),
      start(),
    ]);
    const removed = (await startLive(bench)).journey; // LIVE before the kill, removed across it
    const handleOf = (j: JourneyHandle) => bench.env.client.workflow.getHandle(j.workflowId);
    const waitingOtp = (j: JourneyHandle) => j.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    await Promise.all([awaitingCode, slowRegister, justSubmitted].map(waitingOtp));

    await submitDeliveredCode(bench, awaitingConnected);
    await awaitingConnected.until((v) => v.stage === 'AWAITING_CONNECTED', 'AWAITING_CONNECTED');
    const registersBefore = registers();
    bench.sandbox.admin.injectFault({ endpoint: 'POST /register', ...SLOW_CALL });
    bench.sandbox.admin.injectFault({ endpoint: 'POST /deregister', ...SLOW_CALL });
    await submitDeliveredCode(bench, slowRegister);
    await slowRegister.until((v) => v.stage === 'REGISTERING', 'REGISTERING');
    await handleOf(removed).signal(requestRemovalSignal, removal);
    await removed.until((v) => v.stage === 'REMOVING', 'REMOVING');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the slow calls are inside the sandbox now
    expect(registers()).toBe(registersBefore); // the slow register has not answered yet
    await submitDeliveredCode(bench, justSubmitted);

    first.child.kill('SIGKILL');
    expect(await first.exit(10_000)).toBeNull(); // killed by the signal, no graceful drain
    await workers.start();

    await submitDeliveredCode(bench, awaitingCode);
    const gone = await removed.until((v) => v.waiting?.for === 'admin', 'deregistered, waiting for deletion', 1_200);
    bench.sandbox.admin.deleteNumber(gone.phoneNumberId as string);
    await handleOf(removed).signal(confirmDeletionSignal, { actor: 'admin@acme' });
    const ends: [JourneyHandle, JourneyView['stage']][] = [
      [awaitingCode, 'LIVE'],
      [slowRegister, 'LIVE'],
      [justSubmitted, 'LIVE'],
      [awaitingConnected, 'LIVE'],
      [removed, 'REMOVED'],
    ];
    const views = await Promise.all(
      ends.map(([j, stage]) => j.until((v) => v.stage === stage, `${j.workflowId} ${stage}`, 1_200)),
    );

    const log = calls();
    for (const view of views) {
      const id = view.phoneNumberId as string;
      expect(succeeded(callsFor(log, '/register', id)), `successful registers of ${id}`).toHaveLength(1);
      // A code is requested again only when the journey chose to, and then it counts it.
      expect(callsFor(log, '/request_code', id)).toHaveLength(view.attempts.codeRequests);
      expect(view.attempts.codeRequests).toBe(1);
    }
    expect(succeeded(callsFor(log, '/deregister', await phoneOf(removed)))).toHaveLength(1);
  }, 90_000);
});
