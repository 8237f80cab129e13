// The list's page tokens: Temporal's visibility token, sealed with an HMAC over it and the query it continues, so a
// token that this service did not give (or gives for another listing) is refused at the edge instead of reaching
// Temporal, which retries what it cannot read. Every instance of a fleet derives the same key from the payload key.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

export class PageTokens {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  /** A key shared by every instance that shares `secret` (the active payload key), for this use only. */
  static derivedFrom(secret: Buffer): PageTokens {
    return new PageTokens(Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'numberflow api page tokens', 32)));
  }

  seal(query: string, token: Uint8Array): string {
    return Buffer.concat([this.mac(query, token), token]).toString('base64url');
  }

  /** Temporal's token, or null when `sealed` is not one this service gave for `query`. */
  open(query: string, sealed: string): Uint8Array | null {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length <= MAC_BYTES) return null;
    const token = bytes.subarray(MAC_BYTES);
    return timingSafeEqual(bytes.subarray(0, MAC_BYTES), this.mac(query, token)) ? token : null;
  }

  private mac(query: string, token: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(query).update('\0').update(token).digest().subarray(0, MAC_BYTES);
  }
}
