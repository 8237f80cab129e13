/** The stages of a number's journey, in the order a journey normally walks them (docs/journey.md#stages). */
export const journeyStages = [
  'WAITING_FOR_CAPACITY',
  'ADDING',
  'REQUESTING_CODE',
  'AWAITING_OTP',
  'VERIFYING_CODE',
  'REGISTERING',
  'AWAITING_PIN',
  'AWAITING_CONNECTED',
  'DISPLAY_NAME_REVIEW',
  'AWAITING_NEW_NAME',
  'ENABLING_IDENTITY_CHECK',
  'CONFIRMING_COEXISTENCE',
  'SYNCING_SMB_DATA',
  'LIVE',
  'REMOVING',
] as const;
export type JourneyStage = (typeof journeyStages)[number];

/** How a journey ends. Each carries a reason code and remediation text. */
export const journeyOutcomes = ['REMOVED', 'SIGNUP_EXPIRED', 'FAILED', 'CANCELLED'] as const;
export type JourneyOutcome = (typeof journeyOutcomes)[number];

export type StageOrOutcome = JourneyStage | JourneyOutcome;

export function isJourneyOutcome(value: unknown): value is JourneyOutcome {
  return (journeyOutcomes as readonly unknown[]).includes(value);
}
