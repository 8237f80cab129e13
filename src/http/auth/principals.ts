// Who calls the API: a principal has a name (recorded as the actor of everything it does), roles, and optionally the
// business portfolios it may see. What each role may do is declared here, once.
export const roles = ['onboarding', 'operator', 'admin', 'auditor'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  name: string;
  roles: readonly Role[];
  /** The portfolios whose journeys it may see and act on; null: every portfolio. */
  portfolios: readonly string[] | null;
}

/** The roles that may do each kind of thing; a principal needs one of them. */
export const permissions = {
  /** Lists, views, runs, events, portfolios. */
  read: ['onboarding', 'operator', 'admin', 'auditor'],
  /** Starting journeys. */
  start: ['onboarding'],
  /** Codes, PINs, names, resends, cancels, deletion confirmations. */
  operate: ['operator', 'admin'],
  /** Removals, a portfolio's cap, reading back the two-step PIN, and the webhook inbox's dead letters. */
  administer: ['admin'],
  /** A number's timeline across its runs and a portfolio's export (who did what, with Meta's answers). */
  audit: ['auditor', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function holdsAny(principal: Principal, allowed: readonly Role[]): boolean {
  return principal.roles.some((role) => allowed.includes(role));
}

/** Whether the principal may see the portfolio's journeys (and the portfolio). */
export function seesPortfolio(principal: Principal, portfolioId: string): boolean {
  return principal.portfolios === null || principal.portfolios.includes(portfolioId);
}
