// Workflow-safe definitions of the portfolio entity: it owns the registered-number cap (meta-graph.md §6).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** New portfolios may register 2 numbers; verification or a 2,000 messaging limit raises it to 20. */
export const DEFAULT_NUMBER_CAP = 2;

export function portfolioWorkflowId(portfolioId: string): string {
  return `portfolio:${portfolioId}`;
}

export interface PortfolioInput {
  portfolioId: string;
  cap?: number;
  /** Numbers registered before numberflow knew the portfolio; they hold slots no journey will release. */
  preregistered?: string[];
  /** Carried over by continue-as-new. */
  state?: PortfolioState;
}

export interface SlotHolder {
  e164: string;
  workflowId: string | null;
  since: string;
}

export interface PortfolioState {
  cap: number;
  holders: SlotHolder[];
  queue: { e164: string; workflowId: string; since: string }[];
  admissions: number;
}

export interface SlotRequest {
  e164: string;
  workflowId: string;
  /** Meta already counts the number (registered before its journey began): it holds a slot even over the cap. */
  registered?: boolean;
}
export interface SlotAnswer {
  granted: boolean;
  /** 1-based place in the queue when not granted. */
  position: number | null;
  cap: number;
  held: number;
}

export const acquireSlotUpdate = defineUpdate<SlotAnswer, [SlotRequest]>('acquireSlot');
export const releaseSlotSignal = defineSignal<[{ e164: string }]>('releaseSlot');
/** business_capability_update: max_phone_numbers_per_business. */
export const capabilityUpdateSignal = defineSignal<[{ maxPhoneNumbers: number }]>('capabilityUpdate');
export const portfolioQuery = defineQuery<PortfolioState>('portfolio');
