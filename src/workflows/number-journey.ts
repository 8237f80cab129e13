import { condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  journeyQuery,
  SIGNUP_WINDOW_MS,
  type JourneyInput,
  type JourneyResult,
  type JourneyView,
} from '../domain/journey.js';
import { NumberStage } from '../domain/search-attributes.js';
import type { JourneyStage, StageOrOutcome } from '../domain/stages.js';

/** A number's journey onto the Cloud API: one workflow per number, id `number:<E.164>`. */
export async function numberJourney(input: JourneyInput): Promise<JourneyResult> {
  const journey = new Journey(input);
  setHandler(journeyQuery, () => journey.view());
  journey.enter('WAITING_FOR_CAPACITY');

  const registeredInTime = await condition(() => journey.registered, journey.msUntilSignupExpiry());
  if (!registeredInTime) {
    return journey.finish({
      outcome: 'SIGNUP_EXPIRED',
      reason: 'the 14-day Embedded Signup window closed before the number was registered',
      remediation: 'Run Embedded Signup again for this number, then start a new journey.',
    });
  }
  return journey.finish({ outcome: 'REMOVED', reason: 'not reached yet', remediation: '' });
}

/** The journey's state and its projection for the query and search attributes. */
class Journey {
  stage: StageOrOutcome = 'WAITING_FOR_CAPACITY'; // the start sets the same value as a search attribute
  phoneNumberId: string | null;
  registered = false;
  result: JourneyResult | null = null;
  readonly signupExpiresAt: number;

  constructor(private readonly input: JourneyInput) {
    this.phoneNumberId = input.phoneNumberId ?? null;
    this.signupExpiresAt = Date.parse(input.signupAt) + SIGNUP_WINDOW_MS;
  }

  enter(stage: JourneyStage): void {
    this.setStage(stage);
  }

  /** Milliseconds left in the Embedded Signup window; workflow time is deterministic (replayed, or skipped in tests). */
  msUntilSignupExpiry(): number {
    return Math.max(0, this.signupExpiresAt - Date.now());
  }

  finish(result: JourneyResult): JourneyResult {
    this.result = result;
    this.setStage(result.outcome);
    return result;
  }

  view(): JourneyView {
    return {
      e164: this.input.phoneNumber.e164,
      wabaId: this.input.wabaId,
      portfolioId: this.input.portfolioId,
      path: this.input.path,
      stage: this.stage,
      phoneNumberId: this.phoneNumberId,
      deadlines: { signupExpiresAt: this.registered ? null : new Date(this.signupExpiresAt).toISOString() },
      result: this.result,
    };
  }

  private setStage(stage: StageOrOutcome): void {
    if (stage === this.stage) return;
    this.stage = stage;
    // Kept current only when the journey was started with it (a server without our attributes refuses upserts).
    if (this.visible) upsertSearchAttributes([{ key: NumberStage, value: stage }]);
  }

  private readonly visible = workflowInfo().typedSearchAttributes.get(NumberStage) !== undefined;
}
