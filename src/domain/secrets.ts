// Which payload fields hold a secret: one list for the sealing codec (src/codec/sealing-codec.ts), which seals the
// string values under these names anywhere in a payload. Every payload type of src/domain was checked against it:
// a Meta error's `code` is a number and stays readable; only strings are sealed. Workflow-safe.

/** Field names whose string values are secrets: an OTP submission's code, two-step PINs, tokens. */
export const secretFieldNames: ReadonlySet<string> = new Set(['code', 'otp', 'pin', 'token', 'accessToken']);

/** What a sealed secret reads as where it cannot be unsealed for display (the codec server, the Web UI). */
export const SEALED_PLACEHOLDER = '[sealed]';
