// Workflow-safe definitions of the number journey: types, ids, the query. No Node built-ins, no I/O.
import { defineQuery } from '@temporalio/workflow';
import type { PhoneNumber } from './phone.js';
import type { JourneyOutcome, StageOrOutcome } from './stages.js';

export const codeMethods = ['SMS', 'VOICE'] as const;
export type CodeMethod = (typeof codeMethods)[number];

export const onboardingPaths = ['cloud_api', 'coexistence'] as const;
export type OnboardingPath = (typeof onboardingPaths)[number];

export const pinPolicies = ['generate', 'operator'] as const;
export type PinPolicy = (typeof pinPolicies)[number];

/** A journey's input, already validated at the edge (see journey-input.ts). */
export interface JourneyInput {
  wabaId: string;
  portfolioId: string;
  phoneNumber: PhoneNumber;
  displayName: string;
  path: OnboardingPath;
  codeMethod: CodeMethod;
  /** The number sits behind an IVR: SMS never reaches a person, so the code comes by voice call. */
  ivr: boolean;
  /** When Embedded Signup finished; the 14-day registration window counts from here, not from workflow start. */
  signupAt: string;
  /** Set when the number was already added in Meta (Embedded Signup, WhatsApp Manager) and is adopted. */
  phoneNumberId?: string;
  pinPolicy: PinPolicy;
  /** Who started the journey (a service or a person); recorded in history. */
  requestedBy: string;
}

/** Meta registers a number only within 14 days of finishing Embedded Signup (meta-graph.md §6). */
export const SIGNUP_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;

export function journeyWorkflowId(e164: string): string {
  return `number:${e164}`;
}

export interface JourneyResult {
  outcome: JourneyOutcome;
  reason: string;
  remediation: string;
}

/** What the `journey` query answers: where the journey stands and who it waits for. */
export interface JourneyView {
  e164: string;
  wabaId: string;
  portfolioId: string;
  path: OnboardingPath;
  stage: StageOrOutcome;
  phoneNumberId: string | null;
  deadlines: { signupExpiresAt: string | null };
  result: JourneyResult | null;
}

export const journeyQuery = defineQuery<JourneyView>('journey');
