// Checks of what operators type, shared by update validators (workflow) and the HTTP edge. Pure functions.

/** Meta's code arrives as "123-830"; Graph wants the six digits without the hyphen. */
export function normaliseOtp(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') throw new Error('the code is empty');
  const code = input.trim().replace(/^(\d{3})[-\s](\d{3})$/, '$1$2');
  if (!/^\d+$/.test(code)) throw new Error('the code must be 6 digits, e.g. 123830 or 123-830');
  if (code.length !== 6) throw new Error(`the code must be 6 digits, got ${code.length}`);
  return code;
}

export function checkPin(input: unknown): string {
  if (typeof input !== 'string' || input === '') throw new Error('the PIN is empty');
  if (!/^\d{6}$/.test(input)) throw new Error('the two-step PIN must be exactly 6 digits');
  return input;
}

/** Meta's display-name rules that can be checked before a review (the rest is Meta's review). */
export function checkDisplayName(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') throw new Error('the display name is empty');
  const name = input.trim();
  if (name.length < 3) throw new Error('the display name must be at least 3 characters');
  if (name.length > 256) throw new Error('the display name must be at most 256 characters');
  if (/https?:\/\/|www\./i.test(name)) throw new Error('the display name may not contain a URL');
  return name;
}

export function checkActor(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') throw new Error('who is acting must be given (actor)');
  if (input.length > 200) throw new Error('actor is too long');
  return input.trim();
}
