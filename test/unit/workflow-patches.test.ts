// The workflows' patch registries (src/workflows/patches.ts and each workflow's patches.ts). A patch id is recorded
// in every history that asked it: renamed or dropped, those histories no longer replay. The ids are pinned here, and
// the workflow code is read to check that every patched() or deprecatePatch() names a registry constant (never an id
// written in place) and that every registered id is asked somewhere.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as identity from '../../src/workflows/identity/patches.js';
import * as journey from '../../src/workflows/journey/patches.js';
import * as shared from '../../src/workflows/patches.js';
import * as portfolio from '../../src/workflows/portfolio/patches.js';

const workflows = resolve(import.meta.dirname, '../../src/workflows');

const registries: Record<string, Record<string, string>> = {
  'journey/patches.ts': journey,
  'portfolio/patches.ts': portfolio,
  'identity/patches.ts': identity,
  'patches.ts': shared,
};

const pinned: Record<string, string[]> = {
  'journey/patches.ts': [
    'add-refused-at-cap-requeues',
    'adopted-name-follows-meta',
    'adopted-number-asks-for-the-given-name',
    'cancel-at-the-last-step-cancels',
    'cancel-waits-for-the-work-under-a-deadline',
    'cap-refusal-to-a-gone-portfolio-asks-again',
    'code-expired-while-waiting-not-counted',
    'code-submitted-in-time-not-counted',
    'coexistence-disconnection-ends-the-journey',
    'confirmation-signal-leaves-held-one',
    'deletion-confirmed-during-the-deregister-wait',
    'deregistered-rename-window-ends-the-journey',
    'disconnection-ends-a-removal',
    'failed-name-read-waits',
    'fewer-visibility-writes',
    'first-code-refused-waits-once',
    'found-number-reads-name-first',
    'journey-input-checked',
    'last-cap-refusal-lowers-the-cap',
    'lifted-restriction-blocks-no-removal',
    'limited-number-is-registered',
    'live-identity-actions',
    'name-decision-before-the-request-ignored',
    'name-host-rule-takes-abbreviations',
    'name-read-after-an-ignored-decision',
    'name-read-takes-a-replaced-name',
    'no-continue-as-new-with-an-answer',
    'number-event-dates-checked',
    'number-event-waba-checked',
    'number-events-checked',
    'paid-message-block-with-the-hour-unheard',
    'person-wait-search-attributes',
    'refused-code-waits-an-hour',
    'refused-new-code-waits-once',
    'refused-new-name-waits-for-another',
    'refused-resend-keeps-asking-again',
    'refused-resend-keeps-the-code',
    'register-applying-a-name-needs-the-number-registered',
    'register-finishes-an-incomplete-deregistration',
    'register-tries-remembered-pin',
    'registration-guard-read-activity',
    'removal-blocked-person-wait',
    'removal-gives-the-slot-back-once-deregistered',
    'removal-stops-a-live-rename',
    'rename-verifies-afresh',
    'rename-window-from-meta-decision',
    'resend-dropped-once-verified',
    'resend-during-an-outage-keeps-the-code',
    'resend-refused-at-the-code-limit',
    'restriction-delivered-again-blocks-no-removal',
    'restriction-of-adds-or-sends-blocks-no-removal',
    'signal-words-checked-as-updates',
    'signal-words-whole-characters',
    'slot-by-update-and-local-calls',
    'slot-request-waits-for-a-token',
    'stopped-rename-answers-held-input',
    'store-key-wait-tries-again',
    'submission-taken-before-continue-as-new',
    'tidy-up-never-waits-for-a-token',
    'tidy-up-reads-meta-whatever-the-flags',
    'undated-name-decision-taken',
    'updates-outlive-temporal-cancel',
    'verify-code-in-the-task',
    'wait-for-a-new-meta-token',
  ],
  'portfolio/patches.ts': [
    'admin-cap-stays-on-a-repeated-meta-cap',
    'cap-refusal-reads-what-meta-counts',
    'cap-refused-keep-their-order',
    'failed-reconciliation-keeps-the-book',
    'late-meta-cap-ignored',
    'meta-cap-over-an-earlier-refusal',
    'meta-caps-ordered-by-meta-times',
    'portfolio-carries-owed-answers-across-continue-as-new',
    'portfolio-moves-queue',
    'portfolio-signals-checked',
    'queue-in-journey-start-order',
    'reconcile-keeps-a-journey-queued-since',
    'release-matches-its-journey',
  ],
  'identity/patches.ts': ['identity-confirmation-lapses', 'identity-signals-checked'],
  'patches.ts': ['secrets-in-clear-dropped'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

interface Use {
  file: string;
  line: number;
  call: string;
  /** The registry constants it names, `registry:NAME` joined by commas. */
  names: string;
  /** Why its argument is not a registry constant, or null. */
  problem: string | null;
}

/** Every patched()/deprecatePatch() call of the workflow code, with the registry constant it names. */
function patchUses(): Use[] {
  const uses: Use[] = [];
  for (const path of sourceFiles(workflows)) {
    const file = relative(workflows, path);
    if (file in registries) continue;
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    // The names this file imports from a registry, by local name.
    const imported = new Map<string, string>();
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = relative(workflows, resolve(dirname(path), statement.moduleSpecifier.text)).replace(/\.js$/, '.ts');
      const bindings = statement.importClause?.namedBindings;
      if (!(from in registries) || !bindings || !ts.isNamedImports(bindings)) continue;
      for (const element of bindings.elements) {
        imported.set(element.name.text, `${from}:${(element.propertyName ?? element.name).text}`);
      }
    }
    const calls: ts.CallExpression[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node)) calls.push(node);
      ts.forEachChild(node, visit);
    };
    visit(source);
    const line = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    // What an argument names: a registry constant, or a parameter of a named function that every caller in the file
    // passes a registry constant (verification.ts's requestCodeOrWait).
    const resolveArg = (arg: ts.Expression | undefined): { names: string[]; problem: string | null } => {
      if (!arg || !ts.isIdentifier(arg)) return { names: [], problem: `not a registry constant: ${arg?.getText()}` };
      const constant = imported.get(arg.text);
      if (constant) return { names: [constant], problem: null };
      let fn: ts.Node | undefined = arg.parent;
      while (fn && !ts.isFunctionDeclaration(fn)) fn = fn.parent;
      const index = fn?.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === arg.text) ?? -1;
      if (!fn?.name || index < 0) return { names: [], problem: `not imported from a registry: ${arg.text}` };
      const callers = calls.filter((c) => ts.isIdentifier(c.expression) && c.expression.text === fn.name!.text);
      const passed = callers.map((c) => c.arguments[index]);
      const named = passed.map((p) => (p && ts.isIdentifier(p) ? imported.get(p.text) : undefined));
      if (callers.length === 0 || named.some((n) => n === undefined)) {
        return { names: [], problem: `${fn.name.text}'s ${arg.text} is not always a registry constant` };
      }
      return { names: named as string[], problem: null };
    };
    for (const call of calls) {
      if (!ts.isIdentifier(call.expression) || !['patched', 'deprecatePatch'].includes(call.expression.text)) continue;
      const { names, problem } = resolveArg(call.arguments[0]);
      uses.push({ file, line: line(call), call: call.getText(), names: names.join(','), problem });
    }
  }
  return uses;
}

describe('the workflow patch registries', () => {
  it.each(Object.keys(registries))('%s holds the pinned ids, unchanged', (registry) => {
    const ids = Object.values(registries[registry]!).sort();
    expect(ids).toEqual(pinned[registry]);
    expect(Object.keys(registries[registry]!).every((name) => name.endsWith('_PATCH'))).toBe(true);
  });

  it('no id is in two registries', () => {
    const all = Object.values(pinned).flat();
    expect(new Set(all).size).toBe(all.length);
  });

  const uses = patchUses();

  it('every patched() and deprecatePatch() of the workflow code names a registry constant', () => {
    expect(uses.length).toBeGreaterThan(80);
    expect(uses.filter((use) => use.problem !== null)).toEqual([]);
  });

  it("each workflow's code asks its own registry's patches (or the shared one's): a constant of another workflow's would ask an id its histories never recorded", () => {
    const registryOf = (file: string): string => {
      if (file.startsWith('journey/') || file === 'number-journey.ts') return 'journey/patches.ts';
      if (file.startsWith('portfolio/') || file === 'portfolio.ts') return 'portfolio/patches.ts';
      if (file.startsWith('identity/') || file === 'customer-identity.ts') return 'identity/patches.ts';
      return 'patches.ts';
    };
    const elsewhere = uses.flatMap((use) =>
      use.names
        .split(',')
        .filter(
          (name) => name !== '' && !name.startsWith(`${registryOf(use.file)}:`) && !name.startsWith('patches.ts:'),
        )
        .map((name) => `${use.file}:${use.line} asks ${name}`),
    );
    expect(elsewhere).toEqual([]);
  });

  it('every registered patch is asked somewhere', () => {
    const asked = new Set(uses.flatMap((use) => (use.names ? use.names.split(',') : [])));
    const registered = Object.entries(registries).flatMap(([registry, constants]) =>
      Object.keys(constants).map((name) => `${registry}:${name}`),
    );
    expect(registered.filter((name) => !asked.has(name))).toEqual([]);
  });
});
