// `portfolio show <id>`, `portfolio set-cap <id> <cap> --reason …` and `portfolio reconcile <id> --reason …`, in
// either mode: the cap and where it came from, the numbers holding slots, the queue in order; an admin's new cap or
// reconciliation now, noted in the portfolio with who and why.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CONTROL_CHARACTER } from '../domain/operator-input.js';
import { capSourceText, RECONCILED_WITHIN_MS, type CapChange } from '../domain/portfolio.js';
import type { PortfolioView } from '../portfolios/portfolio.js';
import { stoppedText } from '../portfolios/stopped.js';
import { actorOf, jsonOption, print, type CommandContext } from './context.js';
import { CliExit } from './failure.js';
import { visibleControls } from './format.js';
import { actorOption, graphIdArgument } from './options.js';
import { plural } from '../domain/words.js';

export function addPortfolioCommands(program: Command, context: CommandContext): void {
  const portfolio = program.command('portfolio').description("a business portfolio's registered-number cap and queue");

  portfolio
    .command('show')
    .description('print the cap and where it came from, the numbers holding slots, and the queue in order')
    .argument('<id>', 'business portfolio id', graphIdArgument)
    .addOption(jsonOption())
    .action(async (portfolioId: string, opts: { json?: boolean }) => {
      const view = await context.using((ops) => ops.portfolio(portfolioId));
      print(context, opts.json, view, () => portfolioLines(view));
    });

  portfolio
    .command('set-cap')
    .description("set the portfolio's registered-number cap (admins in API mode); noted with who and why")
    .argument('<id>', 'business portfolio id', graphIdArgument)
    .argument('<cap>', 'registered numbers the portfolio may hold (1–100000)', capArgument)
    .requiredOption('--reason <text>', 'why (noted in the portfolio)')
    .addOption(actorOption('who sets it (API mode: the token decides)'))
    .addOption(adminRoleOption('sets caps'))
    .addOption(jsonOption())
    .action(async (portfolioId: string, cap: number, opts: { reason: string; json?: boolean }, command: Command) => {
      const reason = checkedReason(opts.reason);
      const { view, taken } = await context.using((ops) => ops.setCap(portfolioId, { cap, reason }, actorOf(command)));
      print(context, opts.json, view, () => [setCapLine(view, { cap, reason }, taken)]);
    });

  portfolio
    .command('reconcile')
    .description(
      'reconcile the slot holders with their journeys and with Meta now, not at the next hourly time (admins in API mode); noted with who and why',
    )
    .argument('<id>', 'business portfolio id', graphIdArgument)
    .requiredOption('--reason <text>', 'why (noted in the portfolio)')
    .addOption(actorOption('who asks (API mode: the token decides)'))
    .addOption(adminRoleOption('asks for reconciliations'))
    .addOption(jsonOption())
    .action(async (portfolioId: string, opts: { reason: string; json?: boolean }, command: Command) => {
      const reason = checkedReason(opts.reason);
      const { view, reconciled } = await context.using((ops) => ops.reconcile(portfolioId, reason, actorOf(command)));
      print(context, opts.json, { reconciled, ...view }, () => [reconcileLine(view, reconciled)]);
      if (reconciled && view.lastReconciliation?.failed) throw new CliExit(1);
    });
}

// Direct mode takes it as remove's and reveal-pin's (an operator is refused; left out, as before); API mode, the token.
function adminRoleOption(what: string): Option {
  return new Option('--role <role>', `your role on the portfolio (an admin ${what})`).choices(['admin', 'operator']);
}

/** A --reason as the portfolio notes it: one line of 1–500 characters. */
function checkedReason(text: string): string {
  const reason = text.trim();
  if (reason === '' || reason.length > 500) throw new InvalidArgumentError('--reason: say why, in 1–500 characters');
  if (CONTROL_CHARACTER.test(reason))
    throw new InvalidArgumentError('--reason: one line of text, without control characters');
  return reason;
}

/** What `reconcile` says: what the reconciliation found (or why it failed), or that it has not ended yet. */
export function reconcileLine(view: PortfolioView, reconciled: boolean): string {
  const last = view.lastReconciliation;
  if (!reconciled || !last) {
    const within = RECONCILED_WITHIN_MS / 1000;
    return `received: a reconciliation of portfolio ${view.portfolioId} was asked for and had not ended within ${within} s (Meta slow or away: it is retried for up to 15 minutes); \`portfolio show\` says when it has`;
  }
  return last.failed
    ? `failed: portfolio ${view.portfolioId} could not reconcile at ${last.at} (${last.found.replace(/^failed: /, '')}): every slot stays as it is`
    : `accepted: portfolio ${view.portfolioId} reconciled at ${last.at}: ${last.found}`;
}

export function portfolioLines(view: PortfolioView): string[] {
  return [
    `portfolio ${view.portfolioId}: cap ${plural(view.cap, 'registered number')}, ${capSourceText(view.capSource)}`,
    ...(view.stopped ? [stoppedText(view.stopped)] : []),
    `holding slots (${view.holders.length}):`,
    // A cap lowered below the holders takes none back: said, so that an admin does not wait for it.
    ...(view.holders.length > view.cap
      ? [
          `  ${view.holders.length - view.cap} over the cap: no slot is taken back; nobody is let through until fewer than ${view.cap} hold one`,
        ]
      : []),
    ...view.holders.map(
      (h) => `  ${h.e164}\t${h.workflowId ?? 'no journey: Meta counts it as registered'}\tsince ${h.since}`,
    ),
    `queue (${view.queue.length}):`,
    // In the order the journeys started (`started`), which is not that of their asks (`since`).
    ...view.queue.map(
      (q, i) =>
        `  ${i + 1}. ${q.e164}\t${q.workflowId}\tsince ${q.since}${q.startedAt ? `\tstarted ${q.startedAt}` : ''}`,
    ),
    ...(view.readingMetaCount
      ? ['nobody is let through until the numbers Meta counts are read (a reconciliation is under way)']
      : []),
    view.lastReconciliation
      ? `last reconciled ${view.lastReconciliation.at}: ${view.lastReconciliation.found}`
      : `not reconciled yet (hourly, or now by an admin: \`portfolio reconcile ${view.portfolioId} --reason …\`)`,
    ...(view.capChanges.length > 0
      ? [
          `cap changes (the latest ${Math.min(5, view.capChanges.length)} of ${view.capChanges.length}; --json has all):`,
          ...view.capChanges.slice(-5).map((c) => `  ${c.at ?? '?'}  ${c.cap}  ${capSourceText({ ...c, at: null })}`),
        ]
      : []),
    // A note may quote a reason sent by signal, never checked: shown, not obeyed.
    ...(view.notes.length > 0
      ? ['notes:', ...view.notes.slice(-5).map((n) => visibleControls(`  ${n.at}  ${n.what}`, false))]
      : []),
  ];
}

function capArgument(value: string): number {
  const cap = Number(value);
  if (!/^\d+$/.test(value) || cap < 1 || cap > 100_000)
    throw new InvalidArgumentError('must be a whole number from 1 to 100000');
  return cap;
}

/** What `set-cap` says: taken (and perhaps replaced at once by another admin's), or sent and not shown yet. */
export function setCapLine(view: PortfolioView, { cap, reason }: { cap: number; reason: string }, taken: boolean) {
  const replaced = taken ? replacedBy(view, cap, reason) : null;
  if (replaced) {
    const by = replaced.actor ?? replaced.source;
    return `accepted: the cap of ${cap} was set, then replaced by ${replaced.cap} from ${by} (${replaced.reason ?? 'no reason given'})`;
  }
  return taken
    ? `accepted: the cap of portfolio ${view.portfolioId} is now ${view.cap}`
    : `received: the cap of ${cap} was sent; the portfolio still shows ${view.cap}`;
}

/**
 * The admin's change that came after theirs (`cap` with `reason`), when the cap shown is not theirs: two admins set
 * it at once, and the other's was taken last. Null when theirs stands or cannot be found.
 */
function replacedBy(view: PortfolioView, cap: number, reason: string): CapChange | null {
  const theirs = view.capChanges.findLastIndex((c) => c.cap === cap && c.source === 'admin' && c.reason === reason);
  if (theirs < 0 || view.capChanges.length === theirs + 1) return null;
  return view.capChanges.at(-1) ?? null;
}
