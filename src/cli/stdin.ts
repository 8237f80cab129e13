// Secrets (a code, a PIN, a token) come on standard input, out of shell history and the process list. Piped, the
// whole input is read; typed at a terminal, the secret is asked for on standard error, read without echo up to
// Enter, so it never shows on the screen or in its scrollback.
import type { Readable, Writable } from 'node:stream';

/** A terminal's input as node gives it: a readable stream that can be put in raw mode. */
type TerminalInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

const ENTER = new Set(['\r', '\n']);
const END = '\u0004'; // Ctrl-D
const INTERRUPT = '\u0003'; // Ctrl-C
const ERASE = new Set(['\u007f', '\b']);

/** The secret on standard input; `prompt` is what a person at a terminal is asked (piped input is not prompted). */
export async function readStdin(
  prompt = 'value (not shown): ',
  input: TerminalInput = process.stdin,
  output: Writable = process.stderr,
): Promise<string> {
  if (input.isTTY && input.setRawMode) return readHidden(prompt, input, output);
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed at a terminal, not echoed; Ctrl-C leaves as a terminal's Ctrl-C does (130). */
function readHidden(prompt: string, input: TerminalInput, output: Writable): Promise<string> {
  output.write(prompt);
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve) => {
    let typed = '';
    const done = (value: string | null) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (value === null) process.exit(130);
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === INTERRUPT) return done(null);
        if (ENTER.has(char) || char === END) return done(typed);
        if (ERASE.has(char)) typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
