// Where each customer's Meta access token lives, per WABA. A listing tells when and how each token came — from an
// Embedded Signup, or set by hand — and never holds a token.

export const tokenSources = ['signup', 'manual'] as const;
export type TokenSource = (typeof tokenSources)[number];

export interface TokenOrigin {
  source: TokenSource;
  /** Who stored it (the signup's caller, or the person who ran `token set`). */
  by: string;
}

export interface StoredToken extends TokenOrigin {
  wabaId: string;
  /** ISO time. */
  storedAt: string;
  /** The store key it is sealed with (rotation shows here). */
  keyId: string;
}

export interface TokenStore {
  get(wabaId: string): Promise<string | undefined>;
  /** Stores the WABA's token, replacing the one it had. */
  put(wabaId: string, token: string, origin: TokenOrigin): Promise<void>;
  /** Answers whether there was one. */
  delete(wabaId: string): Promise<boolean>;
  list(): Promise<StoredToken[]>;
}
