// The counts a benchmark run takes from the environment (BENCH_…): whole numbers within bounds, or a clear error.
export function countFrom(variable: string, fallback: number, max: number, min = 1): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${variable}: a whole number from ${min} to ${max}, not "${raw}"`);
  return n;
}

/** A count that must be odd, so that one of the `what` is the median. */
export function oddCountFrom(variable: string, fallback: number, max: number, what: string): number {
  const n = countFrom(variable, fallback, max);
  if (n % 2 === 0) throw new Error(`${variable}: an odd number, so that one ${what} is the median, not ${n}`);
  return n;
}

/** BENCH_ONLY=name,name: the benchmarks to run (all when unset); an unknown name is an error. */
export function selected(names: readonly string[], raw = process.env.BENCH_ONLY): string[] {
  if (raw === undefined || raw.trim() === '') return [...names];
  const wanted = raw
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = wanted.filter((n) => !names.includes(n));
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY: no benchmark ${unknown.join(', ')} (there are ${names.join(', ')})`);
  return names.filter((n) => wanted.includes(n));
}
