// What every journey command shares: where its lines go, the operations of this run's mode (opened per command and
// closed after it), and the options every command takes (--json; --by and --role for those that act).
import { Option, type Command } from 'commander';
import type { Actor, JourneyOperations } from './operations.js';

export interface CommandContext {
  out(line: string): void;
  /** Standard error: warnings that must not mix with what a script reads. */
  err(line: string): void;
  /** A secret from standard input; at a terminal, asked for with `prompt` and read without echo. */
  readStdin(prompt?: string): Promise<string>;
  /** Runs `work` with the operations of this run's mode (direct or API), closed after it. */
  using<T>(work: (operations: JourneyOperations) => Promise<T>): Promise<T>;
}

export const jsonOption = (): Option => new Option('--json', 'print the answer as one JSON document, for scripts');

/** Prints one JSON document, or the human-readable lines. */
export function print(
  context: Pick<CommandContext, 'out'>,
  json: boolean | undefined,
  value: unknown,
  human: () => string[],
) {
  if (json) context.out(JSON.stringify(value, null, 2));
  else for (const line of human()) context.out(line);
}

/** What API mode says of --by and --role given on the command line: not sent (null when neither was given). */
export function notSentWarning(given: readonly string[]): string | null {
  if (given.length === 0) return null;
  return `numberflow: ${given.join(' and ')} not sent: the API records its token's principal as who acts`;
}

/** Who acts, and which of --by and --role were given on the command line (the API mode says it does not send them). */
export function actorOf(command: Command): Actor {
  const { by, role } = command.opts<{ by: string; role?: string }>();
  const given = ['by', 'role'].filter((name) => command.getOptionValueSource(name) === 'cli').map((n) => `--${n}`);
  return { by, role, given };
}
