// Transient failures (the transient class, docs/meta-graph-api.md#error-classes): Meta's own outages, injected, and a Graph that cannot be
// reached or does not answer in time. All of them are retried with backoff and carry no wait of their own.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyGraphFailure, GraphClient, GraphTransportError, staticTokenProvider } from '../../src/graph/index.js';
import { describeContract, failure } from './contract.js';
import { expectGraphError, expectNoSecrets } from './errors.js';
import { REGISTER_PIN } from './sandbox-controls.js';
import { readNumber, sandboxOf, type ContractTarget } from './targets.js';

interface Outage {
  code: number;
  httpStatus: number;
  endpoint: string;
  call: (target: ContractTarget) => Promise<unknown>;
}

// One outage per endpoint kind: a read of a number, a read of a WABA, and two writes that must not take effect.
const OUTAGES: Outage[] = [
  {
    code: 1,
    httpStatus: 400,
    endpoint: 'GET /{phone-number-id}',
    call: (t) => t.client.getPhoneNumber(readNumber(t), []),
  },
  {
    code: 2,
    httpStatus: 503,
    endpoint: 'GET /{waba-id}/phone_numbers',
    call: (t) => t.client.listPhoneNumbers(t.wabaId),
  },
  {
    code: 131000,
    httpStatus: 500,
    endpoint: 'POST /{phone-number-id}/request_code',
    call: (t) => t.client.requestCode(readNumber(t), { codeMethod: 'SMS', language: 'en_US' }),
  },
  {
    code: 133004,
    httpStatus: 503,
    endpoint: 'POST /{phone-number-id}/register',
    call: (t) => t.client.register(readNumber(t), { pin: REGISTER_PIN }),
  },
];

describeContract('transient errors', (test) => {
  for (const outage of OUTAGES) {
    test(
      `retries ${outage.endpoint} after Meta's ${outage.code} (HTTP ${outage.httpStatus})`,
      ['faults'],
      async (t) => {
        sandboxOf(t).admin.injectFault({ endpoint: outage.endpoint, kind: 'error', code: outage.code });
        const err = await failure(t, outage.call(t));
        expectGraphError(err, {
          code: outage.code,
          httpStatus: outage.httpStatus,
          errorClass: 'transient',
          endpoint: outage.endpoint,
        });
      },
    );
  }

  test('gives up on an answer slower than requestTimeoutMs with a GraphTransportError', ['faults'], async (t) => {
    const endpoint = 'GET /{phone-number-id}/settings';
    // undici runs the headers timeout on its fast timers (ticks of ~0.5 s), so a 100 ms timeout fires within about
    // a second: the answer is held well beyond that, and the client must give up before it comes.
    const latencyMs = 2_500;
    sandboxOf(t).admin.injectFault({ endpoint, kind: 'latency', latencyMs });
    const impatient = t.clientWith({ requestTimeoutMs: 100 });
    const started = performance.now();
    const err = await failure(t, impatient.getSettings(readNumber(t)));
    expect(performance.now() - started).toBeLessThan(latencyMs);
    expect(err).toBeInstanceOf(GraphTransportError);
    expect(err).toMatchObject({ endpoint, errorClass: 'transient' });
    expect(String(err)).toContain('did not answer within 100 ms');
    expect(classifyGraphFailure(err).errorClass).toBe('transient');
  });
});

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('transient errors — on a Graph that is not there', () => {
  const token = 'EAAGtokenForAClosedPort8d1e';

  async function refused(): Promise<GraphTransportError> {
    const client = new GraphClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      tokens: staticTokenProvider(token),
    });
    try {
      const err = await client.listPhoneNumbers('102290129340398').then(
        () => expect.unreachable('nothing listens on the port'),
        (e: unknown) => e,
      );
      expectNoSecrets(err, [token]);
      expect(err).toBeInstanceOf(GraphTransportError);
      return err as GraphTransportError;
    } finally {
      await client.close();
    }
  }

  it('fails a refused connection with a transient GraphTransportError naming the endpoint template', async () => {
    const err = await refused();
    expect(err).toMatchObject({ endpoint: 'GET /{waba-id}/phone_numbers', errorClass: 'transient' });
    expect(err.message).toContain('ECONNREFUSED');
    expect(classifyGraphFailure(err).errorClass).toBe('transient');
  });

  it('says a refused connection never reached Meta, so a code request may be retried', async () => {
    expect((await refused()).requestMayHaveReachedMeta).toBe(false);
  });
});
