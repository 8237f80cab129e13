// A process without Meta's credentials calls the sandbox: the one GRAPH_BASE_URL names, when it names one (a fleet's
// worker beside a sandbox elsewhere), else SANDBOX_PORT on loopback. GRAPH_BASE_URL was ignored: such a worker
// called loopback, and its journeys stood in ADDING on "connection refused".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { graphClientFromConfig, sandboxAddress } from '../../src/graph/from-config.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { freePorts } from '../support/processes.js';
import { sandboxWithWaba } from './support/sandbox-waba.js';

describe("the Graph a process without Meta's credentials calls", () => {
  let sandbox: Sandbox;
  let wabaId: string;
  beforeAll(async () => {
    ({ sandbox, wabaId } = await sandboxWithWaba('from-config-secret', 12));
  });
  afterAll(() => sandbox.close());

  it("is SANDBOX_PORT on loopback unless GRAPH_BASE_URL names another than Meta's", () => {
    expect(sandboxAddress(loadConfig({}))).toBe('http://127.0.0.1:8788');
    expect(sandboxAddress(loadConfig({ SANDBOX_PORT: '9100' }))).toBe('http://127.0.0.1:9100');
    expect(sandboxAddress(loadConfig({ GRAPH_BASE_URL: 'https://graph.facebook.com/' }))).toBe('http://127.0.0.1:8788');
    expect(sandboxAddress(loadConfig({ GRAPH_BASE_URL: 'https://GRAPH.facebook.com:443' }))).toBe(
      'http://127.0.0.1:8788',
    );
    expect(sandboxAddress(loadConfig({ GRAPH_BASE_URL: 'http://sandbox.internal:8788' }))).toBe(
      'http://sandbox.internal:8788',
    );
  });

  it('reaches the sandbox GRAPH_BASE_URL names, not loopback', async () => {
    const [nothingThere] = await freePorts(1);
    const config = loadConfig({ GRAPH_BASE_URL: sandbox.url, SANDBOX_PORT: String(nothingThere) });
    const graph = graphClientFromConfig(config, staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })));
    try {
      await expect(graph.getWabaOwner(wabaId)).resolves.toMatchObject({ portfolioId: expect.any(String) as unknown });
    } finally {
      await graph.close();
    }
  });
});
