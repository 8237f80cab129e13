// What the command line does to journeys, as one interface with two implementations: directly through Temporal
// (direct-operations.ts) and through the HTTP API (api-operations.ts). Commands are declared once against it;
// mode.ts decides which one a run gets.
import type { CodeMethod, JourneyView } from '../domain/journey.js';
import type { StageOrOutcome } from '../domain/stages.js';
import type {
  CheckedRow,
  JourneyEvent,
  JourneyListing,
  JourneySummary,
  Pace,
  RowProblems,
  RowResult,
} from '../journeys/index.js';
import type { PortfolioView } from '../portfolios/portfolio.js';
import type { z } from 'zod';
import type { confirmationBody, sentAnswer, untrustedAnswer } from '../http/api/number-schemas.js';
import type { OutcomeAnswer, StartBody, Started } from './api-client.js';
import type { UntrustedPage } from '../stores/identity-store.js';

export type { OutcomeAnswer, StartBody, Started };

/** An operator's or admin's input, named as the API names its action. */
export type JourneyAction =
  | { kind: 'otp'; code: string }
  | { kind: 'pin'; pin: string }
  | { kind: 'display-name'; displayName: string }
  | { kind: 'resend'; method?: CodeMethod }
  | { kind: 'cancel'; reason: string }
  | { kind: 'removal'; reason: string }
  | { kind: 'deletion-confirmation' }
  | { kind: 'identity-check'; enabled: boolean }
  | { kind: 'test-message'; to: string; text?: string };

/** Who acts, as the command line says. Direct mode records it; the API records its token's principal instead. */
export interface Actor {
  by: string;
  role?: string;
  /** The actor options given on the command line (not defaulted), e.g. ['--by']. */
  given: string[];
}

export interface ListFilter {
  stage?: StageOrOutcome;
  portfolioId?: string;
  wabaId?: string;
  awaitingInput?: boolean;
}

/** A customer's identity, as the CLI's identity commands show it. */
export type SentMessage = z.output<typeof sentAnswer>;
/** A page of a number's untrusted customers, the latest change first, and how many there are in all. */
export type UntrustedCustomers = z.output<typeof untrustedAnswer>;
export type { UntrustedPage };
export type IdentityConfirmationBody = z.output<typeof confirmationBody>;

export interface JourneyOperations {
  /** Where it looks, said beside an empty answer (direct mode: the namespace); none through the API. */
  readonly where?: string;
  /** Starts a journey; under an idempotency key, the same request again answers the same journey (created false). */
  start(request: StartBody, actor: Actor, idempotencyKey?: string): Promise<{ started: Started; created: boolean }>;
  show(e164: string): Promise<JourneyView>;
  /** Every journey matching the filter, newest first, page after page. */
  list(filter: ListFilter): AsyncIterable<JourneyListing>;
  /**
   * The rows checked here that the other side refuses all the same (API mode: a portfolio outside the token's),
   * before any starts; none in direct mode.
   */
  refusedRows(rows: readonly CheckedRow[]): Promise<RowProblems[]>;
  /** Starts rows checked already, paced, each idempotent by its content; `onResult` hears each as answered. */
  startRows(
    rows: readonly CheckedRow[],
    actor: Actor,
    pace: Pace,
    onResult: (result: RowResult) => void,
  ): Promise<RowResult[]>;
  /** Running journeys: counts per stage per portfolio, and those waiting for a person, oldest first. */
  summary(filter: Pick<ListFilter, 'portfolioId' | 'wabaId'>): Promise<JourneySummary>;
  portfolio(portfolioId: string): Promise<PortfolioView>;
  /** An admin's cap; `taken` false when the portfolio had not shown it within a few seconds. */
  setCap(
    portfolioId: string,
    change: { cap: number; reason: string },
    actor: Actor,
  ): Promise<{ view: PortfolioView; taken: boolean }>;
  /** An admin's reconciliation now; `reconciled` false when it had not ended within a few seconds. */
  reconcile(portfolioId: string, reason: string, actor: Actor): Promise<{ view: PortfolioView; reconciled: boolean }>;
  /** Sends the input and waits at most `waitSeconds` for the journey's answer. */
  act(e164: string, action: JourneyAction, actor: Actor, waitSeconds: number): Promise<OutcomeAnswer>;
  /** The whole view, then stage changes, notes and the end, until the journey ends or `signal` aborts. */
  watch(e164: string, signal: AbortSignal): AsyncIterable<JourneyEvent>;
  /** A text from a live number, guarded by the customer's identity hash when the check is on. */
  send(e164: string, message: { to: string; text: string }, actor: Actor): Promise<SentMessage>;
  /** The number's customers not trusted now. */
  untrusted(e164: string, page: UntrustedPage): Promise<UntrustedCustomers>;
  /** An operator's confirmation that an untrusted customer was re-verified outside WhatsApp. */
  confirmIdentity(
    e164: string,
    waId: string,
    confirmation: IdentityConfirmationBody,
    actor: Actor,
  ): Promise<{ message: string }>;
  close(): Promise<void>;
}
