// The console's response headers: a strict Content-Security-Policy (no inline script anywhere), no sniffing, no
// framing, no referrer beyond the origin.
export const consoleHeaders = {
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};
