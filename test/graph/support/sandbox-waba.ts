// A Graph sandbox with one WABA of a verified business, and Graph clients that hold that WABA's token: what the
// activity tests run against.
import { GraphClient } from '../../../src/graph/index.js';
import { staticTokenProvider } from '../../../src/graph/tokens.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';

/** A client of the sandbox with a token for `wabaId`; `requestTimeoutMs` for a test that wants a short one. */
export function graphOfWaba(
  sandbox: Sandbox,
  wabaId: string,
  options: { requestTimeoutMs?: number } = {},
): GraphClient {
  return new GraphClient({
    baseUrl: sandbox.url,
    tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
    ...options,
  });
}

export async function sandboxWithWaba(
  appSecret: string,
  seed: number,
): Promise<{ sandbox: Sandbox; wabaId: string; graph: GraphClient }> {
  const sandbox = await startSandbox({ appSecret, seed });
  const { wabaId } = sandbox.admin.createWaba(sandbox.admin.createPortfolio({ verificationStatus: 'verified' }));
  return { sandbox, wabaId, graph: graphOfWaba(sandbox, wabaId) };
}
