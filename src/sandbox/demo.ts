// The demo account a sandbox offers its user (npm start, npm run sandbox): a portfolio, a WABA and a token for it.
// A persisted sandbox answers the same ones after a restart, since its journeys refer to them.
import { createPortfolio, createWaba } from './accounts.js';
import type { SandboxCore } from './core.js';
import { issueToken } from './tokens.js';

export interface DemoAccount {
  portfolioId: string;
  wabaId: string;
  token: string;
}

export function demoAccount(core: SandboxCore): DemoAccount {
  const { store } = core;
  for (const token of store.tokens.values()) {
    if (token.revokedAt !== undefined) continue;
    const waba = store.wabas.get(token.wabaIds[0] ?? '');
    if (waba) return { portfolioId: waba.portfolioId, wabaId: waba.id, token: token.value };
  }
  const { portfolioId } = createPortfolio(core);
  const { wabaId } = createWaba(core, { portfolioId });
  return { portfolioId, wabaId, token: issueToken(core, { wabaIds: [wabaId] }) };
}
