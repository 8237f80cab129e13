// One submission of a console form. Each page render gives its forms a random submission id (a hidden field), and
// the update a form sends takes an id made of it: Temporal answers an update sent again with the same id on the same
// run with its first answer, without running it again. So a reload of an answer page without JavaScript, which posts
// the form again, acts once, whichever replica takes it. A form without the field (a page from before) gets a random
// update id, as the API's do.
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';

export const SUBMISSION_FIELD = 'submission';
/**
 * The journey a journey page's forms were made for: the first run of its chain (its runs continued as new, or reset,
 * keep it). A form posted once the number's journey ended and another began — a reload of an old answer page — is
 * refused, not taken by the new journey.
 */
export const JOURNEY_FIELD = 'journey';

/** The field as a form posts it: absent (an older page's form, a page of no journey), or a Temporal run id. */
export const journeyField = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'is not a journey this console names')
  .optional();

/** A page render's submission id: 128 random bits, base64url. */
export const newSubmission = (): string => randomBytes(16).toString('base64url');

/** The field as a form posts it: absent (an older page's form), or an id this console makes. */
export const submissionField = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, 'is not a submission id this console makes')
  .optional();

/** The submission id a form's body carries, if any (a body the field refuses was refused before: requireSubmission). */
function submissionOf(body: unknown): string | undefined {
  const parsed = submissionField.safeParse((body as Record<string, unknown> | undefined)?.[SUBMISSION_FIELD]);
  return parsed.success ? parsed.data : undefined;
}

/** What a form's submission sent: which form, as whom, with what in it (its fields, the console's own left out). */
export interface FormSubmission {
  action: string;
  actor: string;
  fields: Record<string, unknown>;
}

/**
 * The update id of a form's submission: the page's submission id, with a digest of the form, the actor and the
 * fields, so that the same page's other form, or the same form sent again from a kept page with something else typed,
 * is a new update. Keyed with the console's key: the id is in the journey's history, and a code or a PIN must not be
 * found again from it by trying them all. None for a form without a submission id.
 */
export function submissionUpdateId(
  key: Buffer,
  body: unknown,
  { action, actor, fields }: FormSubmission,
): string | undefined {
  const submission = submissionOf(body);
  if (submission === undefined) return undefined;
  const content = JSON.stringify([action, actor, Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))]);
  const digest = createHmac('sha256', key).update(`submission\0${submission}\0${content}`).digest('base64url');
  return `console-${submission}-${digest.slice(0, 22)}`;
}
