// Tasks that end when a test says so: their order is asserted without timers.

/** A task that records `<name> started` and `<name> ended` in `log`, and ends when opened. */
export function gated(log: string[], name: string) {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const task = async () => {
    log.push(`${name} started`);
    await opened;
    log.push(`${name} ended`);
  };
  return { task, open };
}

/** Lets the promise callbacks queued so far run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

export type Gate = ReturnType<typeof gated>;

/** One gated task per name, in the names' order. */
export function gates<Names extends string[]>(log: string[], ...names: Names): { [K in keyof Names]: Gate } {
  return names.map((name) => gated(log, name)) as { [K in keyof Names]: Gate };
}
