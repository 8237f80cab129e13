// Refusals of the command line's own arguments: they happen while parsing, before any connection, so no
// server is involved.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSecretsKeys } from '../../src/codec/secrets-keys.js';
import { visibleControls } from '../../src/cli/format.js';
import { callerPath, defaultActor, e164Argument, waIdArgument } from '../../src/cli/options.js';
import { readWaId } from '../../src/domain/phone.js';
import { portfolioLines } from '../../src/cli/portfolio-commands.js';
import { capSourceText } from '../../src/domain/portfolio.js';
import type { PortfolioView } from '../../src/portfolios/portfolio.js';
import { buildCli } from '../../src/starter.js';
import { root } from '../support/processes.js';

const e164 = '+14155552671';
const start = ['start', '--waba', '11', '--portfolio', '22', '--phone', e164, '--display-name', 'Acme Support'];

async function refusal(...args: string[]): Promise<CommanderError> {
  const lines: string[] = [];
  const error = await buildCli((line) => lines.push(line), { throwOnExit: true })
    .parseAsync(args, { from: 'user' })
    .then(
      () => null,
      (err: unknown) => err,
    );
  expect(lines).toEqual([]);
  expect(error).toBeInstanceOf(CommanderError);
  const refused = error as CommanderError;
  expect(refused.exitCode).not.toBe(0);
  expect(refused.message).not.toContain('\n'); // one line, no stack
  return refused;
}

describe("the command line's arguments", () => {
  beforeEach(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // commander's own copy of the message
  });
  afterEach(() => vi.restoreAllMocks());

  it('writes a refused argument with its control characters shown, not sent to the terminal', async () => {
    const written = vi.mocked(process.stderr.write);
    await refusal('resend', e164, '--by', 'qa\u001b[31m');
    const text = written.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(text).toContain("argument 'qa\\x1b[31m' is invalid");
    expect(text).not.toContain('\u001b');
    expect(visibleControls('a\u202Eb\tc\u0007')).toBe('a\\u202eb\tc\\x07'); // reordering too; a tab stays
  });

  it("prints the command line's version for a script that checks what it drives", async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const said = await buildCli(() => undefined, { throwOnExit: true })
      .parseAsync(['--version'], { from: 'user' })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(said).toBeInstanceOf(CommanderError);
    expect((said as CommanderError).exitCode).toBe(0);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(out.mock.calls.map(([chunk]) => String(chunk)).join('')).toBe(`${version}\n`);
  });

  it('says in its help which exit code means run it again later', () => {
    const shown = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    buildCli(() => undefined, { throwOnExit: true }).outputHelp();
    const text = shown.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(text).toContain('Commands:');
    expect(text).toMatch(/^Exit codes:\n {2}0 {9}done/m);
    expect(text).toMatch(/^ {2}75 {8}try again later: nothing answered/m);
  });

  it("refuses a cap's reason with control characters before anything is sent, and shows a recorded one's", async () => {
    const refused = await buildCli(() => undefined, { throwOnExit: true })
      .parseAsync(['portfolio', 'set-cap', '22', '5', '--reason', 'a\u001b[31mred', '--by', 'qa@acme'], {
        from: 'user',
      })
      .catch((err: unknown) => err as Error);
    expect((refused as Error).message).toBe('--reason: one line of text, without control characters');
    // A reconciliation's reason likewise, and an empty one.
    for (const [reason, message] of [
      ['a\u001b[31mred', '--reason: one line of text, without control characters'],
      [' ', '--reason: say why, in 1–500 characters'],
    ] as const) {
      const notSent = await buildCli(() => undefined, { throwOnExit: true })
        .parseAsync(['portfolio', 'reconcile', '22', '--reason', reason, '--by', 'qa@acme'], { from: 'user' })
        .catch((err: unknown) => err as Error);
      expect((notSent as Error).message).toBe(message);
    }
    // A reason sent by signal was never checked: shown, not obeyed, on one line.
    const source = { source: 'admin', at: null, actor: 'qa@acme', reason: 'a\u001b[31mred\nsecond' } as const;
    expect(capSourceText(source)).toBe('set by qa@acme: a\\x1b[31mred\\x0asecond');
    const view = {
      portfolioId: '22',
      cap: 5,
      capSource: source,
      holders: [],
      queue: [],
      admissions: 0,
      notes: [{ at: '2026-12-05T06:00:00.000Z', what: 'the cap is now 5 (set by qa@acme: a\u001b[31mred)' }],
      lastReconciliation: { at: '2026-12-05T05:00:00.000Z', found: '2 holders checked, 1 freed', failed: false },
      readingMetaCount: true,
      capChanges: [{ cap: 5, ...source, at: '2026-12-05T06:00:00.000Z' }],
      stopped: null,
    } satisfies PortfolioView;
    expect(portfolioLines(view).at(-1)).toBe(
      '  2026-12-05T06:00:00.000Z  the cap is now 5 (set by qa@acme: a\\x1b[31mred)',
    );
    // What the last reconciliation found, and why nobody is let through meanwhile.
    expect(portfolioLines(view)).toEqual(
      expect.arrayContaining([
        'nobody is let through until the numbers Meta counts are read (a reconciliation is under way)',
        'last reconciled 2026-12-05T05:00:00.000Z: 2 holders checked, 1 freed',
        'cap changes (the latest 1 of 1; --json has all):',
        '  2026-12-05T06:00:00.000Z  5  set by qa@acme: a\\x1b[31mred\\x0asecond',
      ]),
    );
    expect(portfolioLines({ ...view, lastReconciliation: null, readingMetaCount: false })).toContain(
      `not reconciled yet (hourly, or now by an admin: \`portfolio reconcile ${view.portfolioId} --reason …\`)`,
    );
    // A cap lowered below the holders takes none back: said.
    const holder = {
      e164: '+14155550101',
      workflowId: null,
      runId: null,
      wabaId: null,
      since: '2026-12-05T05:00:00.000Z',
    };
    expect(portfolioLines({ ...view, cap: 1, holders: [holder, { ...holder, e164: '+14155550102' }] })).toContain(
      '  1 over the cap: no slot is taken back; nobody is let through until fewer than 1 hold one',
    );
  });

  it('refuses an empty --by at once, naming the option', async () => {
    expect((await refusal('cancel', e164, '--reason', 'wrong number', '--by', ' ')).message).toBe(
      "error: option '--by <actor>' argument ' ' is invalid. who acts must be named, e.g. --by you@acme",
    );
  });

  it('names the options of a refused start, not the request fields', async () => {
    const lines: string[] = [];
    const error = await buildCli((line) => lines.push(line), { throwOnExit: true })
      .parseAsync([...start, '--coexistence', '--by', 'ops@acme'], { from: 'user' })
      .catch((err: unknown) => err as Error);
    expect((error as Error).message).toBe(
      'invalid journey request\n  --phone-number-id: a coexistence number is linked through Embedded Signup; give the phone_number_id it returned',
    );
  });

  it.each([[[...start, '--method', 'FAX']], [['resend', e164, '--method', 'FAX', '--by', 'ops@acme']]])(
    'refuses a code method other than SMS or VOICE: %j',
    async (args) => {
      expect((await refusal(...args)).message).toBe(
        "error: option '--method <method>' argument 'FAX' is invalid. Allowed choices are SMS, VOICE.",
      );
    },
  );

  it('refuses a stage that is not one, naming the stages and outcomes', async () => {
    const { message } = await refusal('list', '--stage', 'BOGUS');
    expect(message).toMatch(/^error: option '--stage <stage>' argument 'BOGUS' is invalid\. Allowed choices are /);
    for (const name of ['WAITING_FOR_CAPACITY', 'AWAITING_OTP', 'LIVE', 'REMOVING', 'FAILED', 'CANCELLED']) {
      expect(message).toContain(name);
    }
    expect((await refusal('list', '--stage', "AWAITING_OTP' OR 1=1")).message).toContain('is invalid');
  });

  it('refuses a role that is not one', async () => {
    expect((await refusal('remove', e164, '--reason', 'done', '--role', 'owner')).message).toBe(
      "error: option '--role <role>' argument 'owner' is invalid. Allowed choices are admin, operator.",
    );
  });

  it.each([
    [['start', '--waba', 'abc', ...start.slice(3)], '--waba <id>'],
    [[...start.slice(0, 3), '--portfolio', '22x', ...start.slice(5)], '--portfolio <id>'],
    [[...start, '--phone-number-id', '10654-0352'], '--phone-number-id <id>'],
    [['list', '--waba', "1' OR '1'='1"], '--waba <id>'],
    [['list', '--portfolio', 'x'], '--portfolio <id>'],
  ])('refuses an id that is not a numeric Graph id: %j', async (args, option) => {
    expect((await refusal(...args)).message).toMatch(
      new RegExp(`^error: option '${option}' argument '.*' is invalid\\. must be a numeric Graph id$`),
    );
  });

  it("refuses a test message's --to that is not a wa_id before anything runs, as send does", async () => {
    const expected =
      "argument 'abc' is invalid. must be the customer's wa_id: their WhatsApp number, country code first (e.g. +1 555 123 4567)";
    expect((await refusal('test-message', e164, '--to', 'abc', '--by', 'ops@acme')).message).toBe(
      `error: option '--to <waId>' ${expected}`,
    );
    expect((await refusal('send', e164, '--to', 'abc', '--text', 'hi')).message).toBe(
      `error: option '--to <waId>' ${expected}`,
    );
  });

  it('reads a wa_id as people write numbers, and refuses one without its country code or with 00 before it', () => {
    for (const typed of ['+1 555 123 4567', '15551234567', ' +1 (555) 123-4567 ', '+44 7911 123456']) {
      expect(readWaId(typed), typed).toEqual({ waId: typed.replace(/\D/g, '') });
    }
    expect(waIdArgument('+1 555-123 4567')).toBe('15551234567');
    // A journey's workflow id, as `list` prints it, names its number.
    expect(e164Argument('number:+14155552671')).toBe('+14155552671');
    // Meta's own wa_ids, not E.164's digits for every country (Mexico's 521…, Argentina's 549…), are taken as they are.
    for (const metas of ['5215512345678', '5491123456789']) expect(readWaId(metas)).toEqual({ waId: metas });
    expect(readWaId('0014155550000')).toMatchObject({
      problem: expect.stringContaining('no country code begins with 0'),
    });
    for (const typed of ['00000', '+', '', '1555123456x', '+1 555 123 4567 ext 2', '+1+5551234567', '١٥٥٥١٢٣٤٥٦٧']) {
      expect(readWaId(typed), typed).toHaveProperty('problem');
    }
  });

  it('refuses unknown options and extra arguments', async () => {
    expect((await refusal('show', e164, 'extra')).message).toMatch(/too many arguments/);
    expect((await refusal('otp', e164, '123830', 'extra', '--by', 'ops@acme')).message).toMatch(/too many arguments/);
    expect((await refusal('list', '--colour', 'red')).message).toBe("error: unknown option '--colour'");
    expect((await refusal(...start, '--bogus')).message).toBe("error: unknown option '--bogus'");
    expect((await refusal(...start, 'extra')).message).toMatch(/too many arguments/);
  });

  it('refuses a test number without its phone_number_id on start, saying how such a number is adopted', async () => {
    const args = [...start.slice(0, 5), '--phone', '+1 555 078 3881', ...start.slice(7)];
    const error = await buildCli(() => undefined, { throwOnExit: true })
      .parseAsync(args, { from: 'user' })
      .catch((err: unknown) => err);
    expect(String(error)).toContain('test numbers are adopted by their phone_number_id');
  });

  it('refuses a PIN reveal without a reason, or with a role outside the choices, before anything runs', async () => {
    expect((await refusal('reveal-pin', e164, '--role', 'admin')).message).toBe(
      "error: required option '--reason <text>' not specified",
    );
    expect((await refusal('reveal-pin', e164, '--reason', 'audit', '--role', 'root')).message).toBe(
      "error: option '--role <role>' argument 'root' is invalid. Allowed choices are admin, operator.",
    );
  });

  it('prints a new secrets key pair as the two variables, which the configuration takes', async () => {
    const lines: string[] = [];
    await buildCli((line) => lines.push(line), { throwOnExit: true }).parseAsync(['secrets-keygen'], { from: 'user' });
    const [privateLine, publicLine] = lines;
    expect(privateLine).toMatch(/^NUMBERFLOW_SECRETS_KEY=[A-Za-z0-9+/=]+$/);
    const spec = {
      NUMBERFLOW_SECRETS_KEY: privateLine?.split('=').slice(1).join('='),
      NUMBERFLOW_SECRETS_PUBLIC_KEY: publicLine?.replace(/^NUMBERFLOW_SECRETS_PUBLIC_KEY=/, ''),
    };
    expect(parseSecretsKeys(spec).unseal.has(parseSecretsKeys(spec).seal.kid)).toBe(true); // a pair, not two keys
  });
});

describe('files named on the command line', () => {
  it('are read and written from the folder the command was typed in (npm run runs it in the project)', async () => {
    const caller = mkdtempSync(join(tmpdir(), 'nf-caller-'));
    const previous = { INIT_CWD: process.env.INIT_CWD, npm_lifecycle_event: process.env.npm_lifecycle_event };
    process.env.INIT_CWD = caller;
    process.env.npm_lifecycle_event = 'numberflow'; // as `npm run numberflow` sets it
    try {
      expect(callerPath('numbers.csv')).toBe(join(caller, 'numbers.csv'));
      expect(callerPath('/etc/hosts')).toBe('/etc/hosts');
      // Another script's INIT_CWD, inherited by a command it started, is not the command's folder.
      process.env.npm_lifecycle_event = 'test';
      expect(callerPath('numbers.csv')).toBe(join(process.cwd(), 'numbers.csv'));
      process.env.npm_lifecycle_event = 'numberflow';
      const error = await buildCli(() => undefined, { throwOnExit: true })
        .parseAsync(['import', 'missing.csv'], { from: 'user' })
        .catch((err: unknown) => err);
      expect(String(error)).toContain(`cannot read ${join(caller, 'missing.csv')}: ENOENT`);
    } finally {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('who acts in direct mode without --by', () => {
  it("is the operating system's user, from the environment or else the system, and cli only when none is named", () => {
    expect(defaultActor({ USER: 'ana' }, () => 'root')).toBe('ana');
    expect(defaultActor({ LOGNAME: 'bo' }, () => 'root')).toBe('bo');
    expect(defaultActor({}, () => 'svc-numberflow')).toBe('svc-numberflow');
    expect(
      defaultActor({}, () => {
        throw new Error('no name for uid 1234');
      }),
    ).toBe('cli');
  });
});
