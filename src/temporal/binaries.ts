// One place that decides which Temporal server binary runs: explicit variable -> tools folder -> PATH ->
// the SDK's own download (only works with internet). It always says which one it used.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';

export type BinaryKind = 'cli' | 'test-server';

export interface ResolvedBinary {
  kind: BinaryKind;
  source: 'environment' | 'tools' | 'path' | 'sdk-download';
  /** Absent when the SDK downloads the binary itself. */
  path?: string;
  /** For logs: "temporal CLI from .tools (/abs/path)". */
  description: string;
}

const names: Record<BinaryKind, { file: string; variable: string; label: string }> = {
  cli: { file: 'temporal', variable: 'TEMPORAL_CLI_PATH', label: 'Temporal CLI (dev server)' },
  'test-server': {
    file: 'temporal-test-server',
    variable: 'TEMPORAL_TEST_SERVER_PATH',
    label: 'time-skipping test server',
  },
};

/** The project's tools folder, filled by scripts/install-temporal.sh. */
export const toolsDir = resolve(import.meta.dirname, '../../.tools');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function resolveBinary(kind: BinaryKind, env: Record<string, string | undefined> = process.env): ResolvedBinary {
  const { file, variable, label } = names[kind];
  const explicit = env[variable];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${variable}=${explicit} is not an executable file`);
    return { kind, source: 'environment', path: explicit, description: `${label} from ${variable} (${explicit})` };
  }
  for (const dir of [join(toolsDir, 'venv/bin'), join(toolsDir, 'bin')]) {
    const path = join(dir, file);
    if (isExecutable(path)) return { kind, source: 'tools', path, description: `${label} from .tools (${path})` };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, file);
    if (isExecutable(path)) return { kind, source: 'path', path, description: `${label} from PATH (${path})` };
  }
  return {
    kind,
    source: 'sdk-download',
    description: `${label}: none installed, the Temporal SDK will try to download it (needs internet; run scripts/install-temporal.sh otherwise)`,
  };
}

/** The binary as the SDK's ephemeral-server options want it. */
export function toSdkExecutable(binary: ResolvedBinary): EphemeralServerExecutable {
  return binary.path ? { type: 'existing-path', path: binary.path } : { type: 'cached-download' };
}
