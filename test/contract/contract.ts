// The contract suite's frame: each area's tests are registered once per target that exists; a test that needs what
// a target lacks is skipped with the reason in its title; without Meta credentials the Meta copy of every area is
// registered as skipped, titled with the variables to set. Every error a test meets is kept, and the area ends by
// checking that none of them carries a secret the target used (some, like an OTP, are only known later).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets } from './errors.js';
import {
  CAPABILITY_REASONS,
  META_NAME,
  META_SKIP_REASON,
  metaCapabilities,
  metaTarget,
  sandboxTarget,
  type Capability,
  type ContractTarget,
  type TargetDefinition,
} from './targets.js';

/** A test of every target; `needs` lists what beyond plain Graph calls it relies on. */
export type ContractTest = (
  title: string,
  needs: readonly Capability[],
  fn: (target: ContractTarget) => Promise<void>,
) => void;

const errorsByTarget = new WeakMap<ContractTarget, unknown[]>();

/** Runs a call that must fail; keeps the error for the area's final secret check and checks it now too. */
export async function failure(target: ContractTarget, call: Promise<unknown>): Promise<unknown> {
  const err = await call.then(
    () => expect.unreachable('the Graph call succeeded but the contract says it fails'),
    (e: unknown) => e,
  );
  errorsByTarget.get(target)?.push(err);
  expectNoSecrets(err, target.secrets);
  return err;
}

function missingFor(definition: TargetDefinition, needs: readonly Capability[]): Capability[] {
  return needs.filter((need) => !definition.capabilities.has(need));
}

function registerArea(definition: TargetDefinition, body: (test: ContractTest) => void): void {
  let started: ContractTarget | undefined;
  const target = (): ContractTarget => {
    if (!started) throw new Error(`${definition.name} did not start`);
    return started;
  };
  beforeAll(async () => {
    started = await definition.start();
    errorsByTarget.set(started, []);
  });
  afterAll(async () => {
    await started?.close();
  });

  const test: ContractTest = (title, needs, fn) => {
    const missing = missingFor(definition, needs);
    if (missing.length === 0) it(title, () => fn(target()));
    else it.skip(`${title} — skipped: needs ${missing.map((need) => CAPABILITY_REASONS[need]).join('; ')}`);
  };
  body(test);

  it('left no token, app secret, PIN, OTP or signup code in any error it produced', () => {
    const t = target();
    for (const err of errorsByTarget.get(t) ?? []) expectNoSecrets(err, t.secrets);
  });
}

/** Registers an area of the contract on the sandbox, and on Meta (or as skipped, saying what to set). */
export function describeContract(area: string, body: (test: ContractTest) => void): void {
  const meta = metaTarget();
  for (const definition of [sandboxTarget(), ...(meta ? [meta] : [])]) {
    describe(`${area} — on ${definition.name}`, () => registerArea(definition, body));
  }
  if (!meta) {
    const absent: TargetDefinition = {
      kind: 'meta',
      name: META_NAME,
      capabilities: metaCapabilities({ appCredentials: false, writes: false }),
      start: () => Promise.reject(new Error('no Meta credentials')),
    };
    describe.skip(`${area} — on ${META_NAME}: ${META_SKIP_REASON}`, () => registerArea(absent, body));
  }
}
