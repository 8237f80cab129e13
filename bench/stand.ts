// What every benchmark runs on: a dev server of its own, a Graph sandbox on loopback with one portfolio and WABA,
// and a Graph client with the WABA's token. `close` stops them in reverse.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { customSearchAttributes } from '../src/domain/search-attributes.js';
import { GraphClient } from '../src/graph/client.js';
import { staticTokenProvider } from '../src/graph/tokens.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/index.js';
import { resolveBinary, toSdkExecutable } from '../src/temporal/binaries.js';

export interface BenchStand {
  env: TestWorkflowEnvironment;
  sandbox: Sandbox;
  graph: GraphClient;
  portfolioId: string;
  wabaId: string;
  close(): Promise<void>;
}

export async function startBenchStand(sandboxOptions: SandboxOptions): Promise<BenchStand> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: toSdkExecutable(resolveBinary('cli')),
      ip: '127.0.0.1',
      searchAttributes: customSearchAttributes,
    },
  });
  const sandbox = await startSandbox(sandboxOptions);
  const { portfolioId } = sandbox.admin.createPortfolio({ maxPhoneNumbers: 1_000_000 });
  const { wabaId } = sandbox.admin.createWaba({ portfolioId });
  const graph = new GraphClient({
    baseUrl: sandbox.url,
    tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
  });
  return {
    env,
    sandbox,
    graph,
    portfolioId,
    wabaId,
    close: async () => {
      await graph.close();
      await sandbox.close();
      await env.teardown();
    },
  };
}
