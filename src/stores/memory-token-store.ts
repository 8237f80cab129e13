// Tokens in memory, for tests of the Graph client that need no database.
import type { StoredToken, TokenOrigin, TokenStore } from './token-store.js';

export class InMemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, { token: string; info: StoredToken }>();

  get(wabaId: string): Promise<string | undefined> {
    return Promise.resolve(this.#tokens.get(wabaId)?.token);
  }

  put(wabaId: string, token: string, origin: TokenOrigin = { source: 'manual', by: 'test' }): Promise<void> {
    const info = { wabaId, ...origin, storedAt: new Date().toISOString(), keyId: 'memory' };
    this.#tokens.set(wabaId, { token, info });
    return Promise.resolve();
  }

  delete(wabaId: string): Promise<boolean> {
    return Promise.resolve(this.#tokens.delete(wabaId));
  }

  list(): Promise<StoredToken[]> {
    return Promise.resolve([...this.#tokens.values()].map(({ info }) => info));
  }
}
