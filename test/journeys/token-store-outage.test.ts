// The token store away (PostgreSQL restarting, a failover) is waited out as Graph unreachable is: nothing reached
// Meta, and the journey calls again once the store answers — where it ended FAILED once the activity's retries ran
// out, about a minute in (QA: numberflow as a fleet, F5).
import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';
import { useStores } from '../support/intake.js';
import type { TokenStore } from '../../src/stores/token-store.js';
import { StoreUnavailableError } from '../../src/stores/unavailable.js';

const MINUTE = 60_000;

describe('a journey while the token store does not answer (time-skipping server + Graph sandbox)', () => {
  const s = useStores();
  let storeAway = false;
  const workersStore: TokenStore = {
    get: (wabaId) =>
      storeAway
        ? Promise.reject(new StoreUnavailableError('postgres://db/numberflow', new Error('connect ECONNREFUSED')))
        : s.stores.tokens.get(wabaId),
    put: (wabaId, token, origin) => s.stores.tokens.put(wabaId, token, origin),
    delete: (wabaId) => s.stores.tokens.delete(wabaId),
    list: () => s.stores.tokens.list(),
  };
  const t = useBench('time-skipping', () => ({ tokenStore: workersStore }));

  it('waits, saying the store is the cause, and goes on once it answers', async () => {
    const { bench } = t;
    const [waiting, resumed] = await bench.run(async () => {
      const journey = await bench.start(bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      storeAway = true;
      try {
        // An operator asks for a new code: the request is made once (Meta cannot take it twice), and fails here.
        await handle.signal('resendCode', { actor: 'operator@acme' });
        const away = await journey.until((v) => v.waiting?.for === 'meta', 'waiting for the store');
        storeAway = false;
        await t.env.sleep(MINUTE);
        const after = await journey.until(
          (v) => v.stage === 'AWAITING_OTP' && v.attempts.codeRequests === 2,
          'a new code once the store answers',
        );
        await handle.terminate('test done');
        return [away, after];
      } finally {
        storeAway = false;
      }
    });
    expect(waiting.result).toBeNull();
    expect(waiting.waiting?.reason).toBe(
      "numberflow's token store did not answer (nothing was sent to Meta): numberflow waits, then calls again",
    );
    expect(resumed.result).toBeNull();
  });
});
