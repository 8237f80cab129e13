// Numbers Meta shows registered but limits (FLAGGED, RESTRICTED, RATE_LIMITED, BANNED): still registered, and counted
// at the portfolio's cap (docs/journey.md#adding-or-adopting).
import { patched } from '@temporalio/workflow';
import { limitedAtMeta } from '../../domain/number.js';
import { LIMITED_NUMBER_PATCH } from './patches.js';

/** What a limited number's status means, where the journey meets one. */
export const LIMITED_WORDS =
  "registered, but limited by Meta (WhatsApp Manager's Account quality says why, and what it may still send); the journey goes on without a code or a register";

/** Whether Meta shows the number limited, and this run takes such a number as registered (the patch's). */
export function limitedAndRegistered(status: string | null | undefined): boolean {
  return limitedAtMeta(status) && patched(LIMITED_NUMBER_PATCH);
}
