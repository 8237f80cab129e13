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

/**
 * Whether a journey in `stage` stands past `target` in the order journeys walk (journeyStages): what a follower
 * reads when it never saw `target` itself, the journey having gone through it between two reads. REMOVING and the
 * outcomes can follow any stage, so they are past none.
 */
export function isPastStage(stage: StageOrOutcome, target: StageOrOutcome): boolean {
  const walked = journeyStages.filter((s) => s !== 'REMOVING') as readonly StageOrOutcome[];
  const at = walked.indexOf(stage);
  const wanted = walked.indexOf(target);
  return at >= 0 && wanted >= 0 && at > wanted;
}

/** How many of the stages it entered a journey keeps: far more than it enters between two reads a second apart. */
export const STAGES_KEPT = 20;

/**
 * The stages in which a journey waits for a person's input of its own (the code, the old PIN, a new display name):
 * listed as awaiting input, counted by age in the metrics. REMOVING is left out: its search attribute cannot tell
 * whether the removal waits for an admin's deletion confirmation or for Meta (the view's `waiting` says).
 */
export const personInputStages = [
  'AWAITING_OTP',
  'AWAITING_PIN',
  'AWAITING_NEW_NAME',
] as const satisfies readonly JourneyStage[];
