// The intake's commands in direct mode (this process talks to Graph, the token store and Temporal itself):
// `signup` finishes an Embedded Signup, `token set` stores a WABA's token by hand, `token list` shows what is
// stored — when and how each token came, never a token.
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import type { SignupOutcome } from '../intake/signup.js';
import type { WithClient } from './direct-client.js';
import { withDirectGraph, type DirectGraph } from './direct-graph.js';
import { refuseApiMode } from './mode.js';
import { jsonOption, print } from './context.js';
import { actorOption, graphIdListOption, graphIdOption } from './options.js';
import { readStdin } from './stdin.js';
import { plural } from '../domain/words.js';

type Env = Record<string, string | undefined>;

/**
 * The stores and Graph of this process's configuration, for one command (the intake itself loads when it runs).
 * With NUMBERFLOW_URL and NUMBERFLOW_TOKEN set the operator meant the service's: refused, where it made a token
 * store in this machine's data folder and answered from it.
 */
function direct(
  env: Env,
  what: string,
  work: (direct: DirectGraph & { config: Config }) => Promise<void>,
  { stores: writes = false }: { stores?: boolean } = {},
): Promise<void> {
  refuseApiMode(
    env,
    what,
    what === 'signup' ? ', or send the signup to POST /v1/signups with an onboarding token' : '',
  );
  const config = loadConfig();
  return withDirectGraph(config, async (opened) => {
    // A command that stores a token under another key than the fleet's would store one no worker opens.
    if (writes) {
      const { checkStoreKey } = await import('../stores/open.js');
      const warn = (message: string) => console.error(`numberflow: ${message}`);
      await checkStoreKey(opened.stores.tokens, warn, { oneMustOpen: false, latestMustOpen: true });
    }
    return work({ config, ...opened });
  });
}

export function addIntakeCommands(
  program: Command,
  withClient: WithClient,
  out: (line: string) => void,
  env: Env = process.env,
): void {
  program
    .command('signup')
    .description(
      'finish an Embedded Signup: exchange its code (within 30 s), store the token, subscribe the app, start a journey per number',
    )
    .option('--code <code>', "the popup's code; leave it out to read it from standard input")
    .addOption(graphIdOption('--waba <id>', 'the WABA the customer picked (waba_id)').makeOptionMandatory())
    .addOption(
      graphIdListOption(
        '--phone-number-id <id>',
        'a phone_number_id the popup returned (repeat for each)',
      ).makeOptionMandatory(),
    )
    .addOption(graphIdOption('--business <id>', 'the business portfolio (business_id)').makeOptionMandatory())
    .addOption(actorOption())
    .addOption(jsonOption())
    .action(
      (opts: { code?: string; waba: string; phoneNumberId: string[]; business: string; by: string; json?: boolean }) =>
        direct(
          env,
          'signup',
          async ({ config, stores, graph }) => {
            const code = opts.code ?? (await readStdin('Embedded Signup code (not shown): ')).trim();
            const body = { code, wabaId: opts.waba, phoneNumberIds: opts.phoneNumberId, businessId: opts.business };
            await withClient(
              async (temporal) => {
                const [{ SqlSignupLedger }, { signup }] = await Promise.all([
                  import('../intake/signup-ledger.js'),
                  import('../intake/signup.js'),
                ]);
                const ledger = await SqlSignupLedger.open(stores.db);
                const deps = { graph, tokens: stores.tokens, ledger, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE };
                const outcome = await signup(deps, body, opts.by);
                // --json: what POST /v1/signups answers.
                print({ out }, opts.json, outcome, () => signupLines(outcome));
              },
              { checkKeys: true },
            );
          },
          { stores: true },
        ),
    );

  const token = program.command('token').description("customers' Meta tokens, per WABA");
  token
    .command('set')
    .description("store a WABA's token (read from standard input) and resume its journeys waiting for one")
    .addOption(graphIdOption('--waba <id>', 'WhatsApp Business Account id').makeOptionMandatory())
    .addOption(actorOption())
    .action((opts: { waba: string; by: string }) =>
      direct(
        env,
        'token set',
        async ({ stores, graph }) => {
          const given = await readStdin(`Meta token for WABA ${opts.waba} (not shown): `);
          await withClient(async (temporal) => {
            const { setToken } = await import('../intake/token-renewal.js');
            const deps = { graph, tokens: stores.tokens, temporal };
            const { journeysTold } = await setToken(deps, { wabaId: opts.waba, token: given, by: opts.by });
            out(`token stored for WABA ${opts.waba}; ${plural(journeysTold, 'running journey')} told`);
          });
        },
        { stores: true },
      ),
    );
  token
    .command('list')
    .description('the WABAs with a token: when and how it came (never the token)')
    .action(() =>
      direct(env, 'token list', async ({ stores }) => {
        const stored = await stores.tokens.list();
        if (stored.length === 0) out('no tokens stored');
        for (const t of stored) out(`${t.wabaId}\t${t.source}\t${t.storedAt}\tby ${t.by}\tkey ${t.keyId}`);
      }),
    );
}

function signupLines(outcome: SignupOutcome): string[] {
  const head = outcome.repeated
    ? 'answered from the earlier signup with this code (nothing exchanged or started again)'
    : 'token stored, app subscribed';
  return [
    `signup of WABA ${outcome.wabaId}: ${head}; registration window until ${outcome.signupExpiresAt}`,
    ...outcome.journeys.map((j) => {
      const what = j.outcome === 'refused' ? `refused: ${j.problem ?? ''}` : `${j.outcome} ${j.workflowId ?? ''}`;
      // A running journey keeps its own window.
      const window =
        j.signupExpiresAt === undefined
          ? ''
          : j.signupExpiresAt === null
            ? ' (no registration window: started without one, or registered already)'
            : ` (its own registration window until ${j.signupExpiresAt})`;
      return `  ${j.e164 ?? j.phoneNumberId}\t${what}${window}`;
    }),
  ];
}
