// The Idempotency-Key a start may carry (the CLI's --idempotency-key, the API's header): 1–200 characters that are
// safe inside a visibility query.
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;
export const IDEMPOTENCY_KEY_RULE = 'must be 1–200 characters of A-Z a-z 0-9 . _ : -';
