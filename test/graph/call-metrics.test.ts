// Graph calls counted for Prometheus (numberflow_graph_calls_total): by the endpoint's template, never an id; by how
// the call ended; and by Meta's error code when Meta answered one.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GraphClient, staticTokenProvider, type NumberRef } from '../../src/graph/index.js';
import { countGraphCallsIn } from '../../src/telemetry/graph-calls.js';
import { freePorts } from '../support/processes.js';
import { total } from '../support/prometheus.js';
import { metaError, useFakeGraph, type FakeGraph } from './support/fake-graph.js';

const NUMBER: NumberRef = { wabaId: '102290129340398', phoneNumberId: '106540352242922' };
const TOKEN = 'EAAG-system-user-token-9f8e7d';
const registry = new Registry();
const observe = countGraphCallsIn(registry);

let graph: FakeGraph;
let client: GraphClient;
useFakeGraph(
  async () => ({ tokens: staticTokenProvider(TOKEN), observe }),
  (fake, graphClient) => {
    graph = fake;
    client = graphClient;
  },
);

const counted = async (labels: Record<string, string>) =>
  total(await registry.metrics(), 'numberflow_graph_calls_total', labels);

describe('Graph call metrics', () => {
  it("counts each call by endpoint template, outcome and Meta's error code", async () => {
    const register = 'POST /{phone-number-id}/register';
    graph.reply(
      { body: { success: true } },
      { status: 400, body: metaError(133005, '(#133005) Two step verification PIN Mismatch') },
      { status: 200, body: 'not json' },
    );
    await client.register(NUMBER, { pin: '482913' });
    await expect(client.register(NUMBER, { pin: '482913' })).rejects.toThrow(/133005/);
    await expect(client.register(NUMBER, { pin: '482913' })).rejects.toThrow(/not JSON/);

    expect(await counted({ endpoint: register, outcome: 'ok', code: '' })).toBe(1);
    expect(await counted({ endpoint: register, outcome: 'meta_error', code: '133005' })).toBe(1);
    expect(await counted({ endpoint: register, outcome: 'bad_answer', code: '' })).toBe(1);
    const text = await registry.metrics();
    for (const value of [NUMBER.phoneNumberId, NUMBER.wabaId, TOKEN]) expect(text).not.toContain(value);
  });

  it('counts a call that could not reach Graph as unreachable', async () => {
    const [closedPort] = await freePorts(1);
    const offline = new GraphClient({
      baseUrl: `http://127.0.0.1:${closedPort}`,
      tokens: staticTokenProvider(TOKEN),
      observe,
    });
    try {
      await expect(offline.deregister(NUMBER)).rejects.toThrow(/network error/);
    } finally {
      await offline.close();
    }
    expect(await counted({ endpoint: 'POST /{phone-number-id}/deregister', outcome: 'unreachable' })).toBe(1);
  });
});
