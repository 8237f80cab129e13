// What numberflow keeps of each Embedded Signup, keyed by a hash of its code (never the code, never the token):
// enough for a retry to answer the same journeys without exchanging the code twice.
import { z } from 'zod';

/** Why a signup failed for good; kept so that a retry answers the same. */
export const signupFailureKinds = [
  'code-expired',
  'code-used',
  'exchange-refused',
  'exchange-unanswered',
  'token-not-for-waba',
  'business-mismatch',
  'waba-outside-portfolios',
  'token-revoked',
  // The token was exchanged but could not be kept (the stores' database away past a few seconds).
  'incomplete',
] as const;
export type SignupFailureKind = (typeof signupFailureKinds)[number];

export const signupJourneySchema = z.object({
  phoneNumberId: z.string(),
  e164: z.string().nullable(),
  workflowId: z.string().nullable(),
  /** started now; already running (an earlier attempt, or a journey started by hand); refused, with why. */
  outcome: z.enum(['started', 'already-running', 'refused']),
  problem: z.string().nullable(),
  /**
   * A journey already running keeps its own 14-day window, which this signup does not move: its end (null: none,
   * a journey started by hand). Absent for the others (the signup's window) and from records before it.
   */
  signupExpiresAt: z
    .string()
    .nullable()
    .optional()
    .describe(
      "for a journey already running: the end of its own 14-day window (its first signup's; null: none — started without one, or registered already), which this signup does not move",
    ),
});
export type SignupJourney = z.infer<typeof signupJourneySchema>;

export const signupRecordSchema = z.object({
  wabaId: z.string(),
  businessId: z.string(),
  phoneNumberIds: z.array(z.string()),
  requestedBy: z.string(),
  /** When the signup came: the 14-day registration window counts from here. */
  signupAt: z.string(),
  /**
   * claimed: the exchange is under way; finishing: the token is stored and one caller works the steps after it;
   * exchanged: the token is stored, the steps after it left for a caller to take.
   */
  state: z.enum(['claimed', 'finishing', 'exchanged', 'done', 'failed']),
  failure: z.object({ kind: z.enum(signupFailureKinds), message: z.string() }).nullable(),
  journeys: z.array(signupJourneySchema),
  updatedAt: z.string(),
});
export type SignupRecord = z.infer<typeof signupRecordSchema>;

export interface SignupLedger {
  /** Records a new signup under its code's hash: null when this call claimed it, else the earlier record. */
  claim(codeHash: string, record: SignupRecord): Promise<SignupRecord | null>;
  save(codeHash: string, record: SignupRecord): Promise<void>;
  /** Saves `record` only if the stored one is still `seen` (its state and time): false when another caller came first. */
  replace(codeHash: string, seen: SignupRecord, record: SignupRecord): Promise<boolean>;
  /** Forgets a claim whose exchange surely never reached Meta, so the same code may be tried again. */
  release(codeHash: string): Promise<void>;
}
