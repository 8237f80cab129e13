// What an auditor reads: one timeline per number across all its runs, and the rows of a portfolio's export.
// The schemas are the edge of the audit API (the CLI now, the HTTP routes later); no field here can hold a secret.
import { z } from 'zod';
import { journeyOutcomes, journeyStages } from '../domain/stages.js';

export const timelineKinds = [
  'started',
  'stage',
  'graph_call',
  'action',
  'webhook',
  'wait',
  'portfolio',
  'step',
  'ended',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

/** Meta's answer to a Graph call, as far as an auditor needs it: never the request. */
export const metaAnswerSchema = z.object({
  code: z.number().int(),
  subcode: z.number().int().optional(),
  type: z.string().optional(),
  message: z.string().optional(),
  /** Meta's error_data.details: what exactly it refused (the cause of a 136024 or 136025, say). */
  details: z.string().optional(),
  fbtraceId: z.string().optional(),
});
export type MetaAnswer = z.infer<typeof metaAnswerSchema>;

export const timelineEntrySchema = z
  .object({
    at: z.iso.datetime(),
    runId: z.string(),
    kind: z.enum(timelineKinds),
    /** The stage the journey was in (for a `stage` entry: the stage it entered). */
    stage: z.enum([...journeyStages, ...journeyOutcomes]),
    actor: z.string().optional(),
    what: z.string(),
    outcome: z.string().optional(),
    /** A Graph call's endpoint, e.g. `POST /{phone-number-id}/register`. */
    endpoint: z.string().optional(),
    meta: metaAnswerSchema.optional(),
    /** The attempt of a Graph call that Temporal retried. */
    attempt: z.number().int().optional(),
    /** Wrong codes or PINs left after an operator's submission. */
    attemptsLeft: z.number().int().optional(),
    /** A durable wait's deadline. */
    until: z.iso.datetime().optional(),
    /** What to do about an ending. */
    remediation: z.string().optional(),
    /**
     * A webhook's own date: when Meta says the change happened (its `entry.time`), or, when Meta gave none, when
     * numberflow received it. `at` is when it reached the journey: a webhook delivered late or again sits far before.
     */
    sentAt: z.iso.datetime().optional(),
    /** The customer (wa_id) an entry of their identity recovery (a `customerIdentity` run) concerns. */
    customer: z.string().optional(),
    /**
     * Which way a person's action came, from the client identity Temporal recorded with it: numberflow's HTTP service,
     * its command line in direct mode (with the machine's user, as its actor is typed), the Temporal CLI, another client.
     */
    via: z.string().optional(),
  })
  .strict();
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const runSummarySchema = z.object({
  runId: z.string(),
  startedAt: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
  status: z.string(),
  /** The run this one continued as new from; null for a new onboarding. */
  continuedFrom: z.string().nullable(),
  /** The run a reset through Temporal made this one from; null for any other. */
  resetFrom: z.string().nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** A customer's identity recovery (`customerIdentity`, id `identity:<phone_number_id>:<wa_id>`) on the number. */
export const identityRunSchema = runSummarySchema.omit({ continuedFrom: true, resetFrom: true }).extend({
  workflowId: z.string(),
  phoneNumberId: z.string(),
  waId: z.string(),
});
export type IdentityRun = z.infer<typeof identityRunSchema>;

export const timelineSchema = z
  .object({
    e164: z.string(),
    workflowId: z.string(),
    generatedAt: z.iso.datetime(),
    runs: z.array(runSummarySchema),
    /** Every customer's identity recovery on any phone_number_id the number had; their entries are in `entries`. */
    identityRuns: z.array(identityRunSchema),
    /** The journey's runs' entries and the identity recoveries' entries, merged in time. */
    entries: z.array(timelineEntrySchema),
    /** What could not be read (a payload of another key, notes no worker answered for), so silence is not proof. */
    gaps: z.array(z.string()),
  })
  .strict();
export type Timeline = z.infer<typeof timelineSchema>;

/**
 * A row of a portfolio's export: a timeline entry with its journey, or (`kind: "gap"`) what could not be read of the
 * run above it — a number's timeline lists these under `gaps`; an export, a stream of rows, says them in its rows.
 * Journey runs only: a customer's identity recovery belongs to the number, not to a run the portfolio started (the
 * number's timeline has them).
 */
export const exportRowSchema = timelineEntrySchema
  .omit({ customer: true })
  .extend({ e164: z.string(), workflowId: z.string(), kind: z.enum([...timelineKinds, 'gap']) });
export type ExportRow = z.infer<typeof exportRowSchema>;

export const timelineFormats = ['json', 'markdown', 'html'] as const;
export type TimelineFormat = (typeof timelineFormats)[number];
export const exportFormats = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/**
 * A point in time that bounds an export: a date alone (2026-01-31, midnight UTC) or a full timestamp with its
 * offset; nothing Date.parse would merely guess at.
 */
export const exportTimeSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'must be an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
  )
  .transform((value, ctx) => {
    const date = new Date(value);
    if (Number.isNaN(date.getTime()) || !onTheCalendar(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a date on the calendar (2026-02-30 is none)' });
      return z.NEVER;
    }
    return date;
  });

/** The day exists: Date takes 2026-02-30 as 2 March. */
function onTheCalendar(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
