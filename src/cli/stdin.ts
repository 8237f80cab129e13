// Secrets (a code, a PIN, a token) come on standard input, out of shell history and the process list. Piped, the
// whole input is read; typed at a terminal, the secret is asked for on standard error, read without echo up to
// Enter, so it never shows on the screen or in its scrollback.
import type { Readable, Writable } from 'node:stream';
import { CliExit } from './failure.js';

/** A terminal's input as node gives it: a readable stream that can be put in raw mode. */
type TerminalInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

const ENTER = new Set(['\r', '\n']);
const END = '\u0004'; // Ctrl-D
const INTERRUPT = '\u0003'; // Ctrl-C
const ERASE = new Set(['\u007f', '\b']);
const ERASE_LINE = '\u0015'; // Ctrl-U
const ERASE_WORD = '\u0017'; // Ctrl-W
/** A terminal's escape sequence (an arrow key, Delete, a bracketed paste's markers): not part of the secret. */
// eslint-disable-next-line no-control-regex -- an escape sequence begins with ESC
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|O.)?/gu;

/** The secret on standard input; `prompt` is what a person at a terminal is asked (piped input is not prompted). */
export async function readStdin(
  prompt = 'value (not shown): ',
  input: TerminalInput = process.stdin,
  output: Writable & { isTTY?: boolean } = process.stderr,
  hintAfterMs = PIPE_HINT_AFTER_MS,
): Promise<string> {
  if (input.isTTY && input.setRawMode) return readHidden(prompt, input, output);
  // A pipe that never closes (a CI runner's, ssh without -n) would keep the command waiting without a word.
  const hint = setTimeout(() => output.write(PIPE_HINT), hintAfterMs);
  hint.unref();
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    clearTimeout(hint);
  }
}

/** Said on standard error when piped input has not ended within PIPE_HINT_AFTER_MS. */
export const PIPE_HINT =
  'numberflow: waiting for standard input to end: the secret is read whole from it (pipe it: printf \'%s\' "$SECRET" | numberflow …)\n';
const PIPE_HINT_AFTER_MS = 5_000;

/** One line typed at a terminal, not echoed; Ctrl-C ends the command quietly (130), as a terminal's Ctrl-C does. */
function readHidden(prompt: string, input: TerminalInput, output: Writable & { isTTY?: boolean }): Promise<string> {
  const say = (text: string) => output.isTTY && output.write(text); // standard error redirected: nobody to ask
  say(prompt);
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (outcome: { value: string } | { error: Error }) => {
      input.off('data', onData).off('end', onEnd).off('error', onError);
      input.setRawMode?.(false);
      input.pause();
      say('\n');
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const onData = (chunk: string) => {
      for (const char of chunk.replace(ESCAPE_SEQUENCE, '')) {
        if (char === INTERRUPT) return done({ error: new CliExit(130) });
        if (ENTER.has(char) || char === END) return done({ value: typed });
        if (ERASE.has(char)) typed = [...typed].slice(0, -1).join('');
        else if (char === ERASE_LINE) typed = '';
        else if (char === ERASE_WORD) typed = typed.replace(/\S*\s*$/u, '');
        else if (char >= ' ') typed += char;
      }
    };
    const onEnd = () => done({ value: typed });
    const onError = (error: Error) => done({ error });
    input.on('data', onData).once('end', onEnd).once('error', onError);
  });
}
