// The replay fixtures: recorded histories under test/fixtures/histories/<workflow>/<scenario>.history, listed in
// manifest.json. A fixture is never deleted silently: it is either listed (and replayed) or retired with a reason.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const fixturesDir = join(import.meta.dirname, '../fixtures/histories');
const manifestFile = join(fixturesDir, 'manifest.json');

export interface Manifest {
  /** Fixtures replayed in CI, by path under the fixtures folder. */
  fixtures: string[];
  /** Fixtures taken out of the gate, with why: their workflow code never ran anywhere but the tests. */
  retired: Record<string, string>;
}

export function readManifest(): Manifest {
  if (!existsSync(manifestFile)) return { fixtures: [], retired: {} };
  return JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
}

export function fixtureSlug(text: string): string {
  return text
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
    .slice(0, 120);
}

/**
 * Saves a recorded history as `<name>`, or answers null when the scenario has a fixture already. A fixture is never
 * overwritten — it is what proves that runs of the older code still replay; with `revise` (a scenario recorded
 * again after its workflow code changed, behind patched()) the new history is kept beside it as
 * `<scenario>-rev2.history`, `-rev3`, …
 */
export function writeFixture(name: string, bytes: Uint8Array, revise = false): string | null {
  let written = name;
  for (let revision = 2; existsSync(join(fixturesDir, written)); revision++) {
    if (!revise) return null;
    written = name.replace(/\.history$/, `-rev${revision}.history`);
  }
  const file = join(fixturesDir, written);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return written;
}

/** Lists newly recorded fixtures (kept sorted, so a re-record changes nothing but the bytes). */
export function addToManifest(names: string[]): void {
  const manifest = readManifest();
  manifest.fixtures = [...new Set([...manifest.fixtures, ...names])].sort();
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
}
