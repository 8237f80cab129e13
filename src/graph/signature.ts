// X-Hub-Signature-256: HMAC-SHA256 of the raw request body with the app secret (docs/meta-graph-api.md#signature).
// Meta signs its own bytes, so verification runs over the raw body, never over re-serialised JSON.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** The header value Meta sends for this body: "sha256=<hex>". */
export function signWebhookBody(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

const SIGNATURE_VALUE = /^sha256=[0-9a-fA-F]{64}$/;

/** True when the header is a valid signature of the raw body; compares in constant time. */
export function verifyWebhookSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  appSecret: string,
): boolean {
  // Exactly one "sha256=" and 64 hex digits: Node joins a repeated header with ", ", and Buffer.from(…, 'hex') stops
  // quietly at the first character that is not hex, so either would otherwise pass on a valid prefix.
  if (typeof header !== 'string' || !SIGNATURE_VALUE.test(header)) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  // A wrong-length or non-hex value decodes short; timingSafeEqual needs equal lengths.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
