// Which access token a Graph call uses. numberflow manages numbers in customers' own Meta assets, so each WABA
// may have its own business-integration token (from the Embedded Signup code exchange); a system-user token from
// the environment serves every WABA it was granted. Tokens never travel as arguments of endpoint methods.
import type { TokenOrigin, TokenStore } from '../stores/token-store.js';
import { storeNotAnswering } from '../stores/unavailable.js';
import type { GraphErrorClass } from './errors.js';

export interface TokenProvider {
  tokenFor(wabaId: string): Promise<string>;
}

/** No token is known for the WABA: a person must connect it (Embedded Signup) or configure a system-user token. */
export class MissingTokenError extends Error {
  override readonly name = 'MissingTokenError';
  readonly errorClass: GraphErrorClass = 'permanent';
  readonly remediation =
    'No Meta access token is known for this WABA: finish Embedded Signup for it, or set a system-user token that has whatsapp_business_management on it.';
  constructor(readonly wabaId: string) {
    super(`no access token for WABA ${wabaId}`);
  }
}

/**
 * The token store did not answer (PostgreSQL away, a failover): nothing was sent to Meta. Passes with time — the
 * activity retries it, and the journey waits it out as it does Graph unreachable — where a plain error ended it.
 */
export class TokenStoreUnavailableError extends Error {
  override readonly name = 'TokenStoreUnavailableError';
  readonly errorClass: GraphErrorClass = 'transient';
  constructor(
    readonly wabaId: string,
    cause: unknown,
  ) {
    super(
      `the token store did not answer for WABA ${wabaId}'s token (${cause instanceof Error ? cause.message : String(cause)}): nothing was sent to Meta`,
      { cause },
    );
  }
}

/** One system-user token for every WABA. */
export function staticTokenProvider(token: string): TokenProvider {
  if (token.trim() === '') throw new TypeError('the system-user access token is empty');
  return { tokenFor: () => Promise.resolve(token) };
}

/** The WABA's own token when the store has one, else the system-user token when one is configured. */
export class PerWabaTokenProvider implements TokenProvider {
  constructor(
    private readonly store: Pick<TokenStore, 'get' | 'put'>,
    private readonly fallbackToken?: string,
  ) {}

  async tokenFor(wabaId: string): Promise<string> {
    const stored = await this.store.get(wabaId).catch((err: unknown) => {
      // The database away passes with time; anything else (a key, a permission) is a person's to mend.
      throw storeNotAnswering(err) ? new TokenStoreUnavailableError(wabaId, err) : err;
    });
    const token = stored || this.fallbackToken;
    if (!token) throw new MissingTokenError(wabaId);
    return token;
  }

  /** Keeps the token the Embedded Signup exchange returned for this WABA. */
  async remember(
    wabaId: string,
    token: string,
    origin: TokenOrigin = { source: 'signup', by: 'numberflow' },
  ): Promise<void> {
    if (token.trim() === '') throw new TypeError('refusing to store an empty access token');
    await this.store.put(wabaId, token, origin);
  }
}
