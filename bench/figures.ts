// The figures `npm run bench` measures and the file it writes: each a value against a baseline measured in the same
// run, their ratio, and the issue's goal (on the ratio or on the value) with whether it was met.
import { cpus, totalmem, type, release } from 'node:os';

export type Unit =
  'journeys/s' | 'parked/s' | 'events' | 'starts/s' | 's' | 'MB' | 'ms' | 'requests/s' | 'ms/admission' | 'ms/journey';

/** A goal on the ratio (value ÷ baseline) or on the value itself; one bound or the other. */
export interface Goal {
  of: 'ratio' | 'value';
  atLeast?: number;
  atMost?: number;
}

export interface Figure {
  name: string;
  value: number;
  unit: Unit;
  /** What the value is compared with, measured in the same run; null when the issue gives none. */
  baseline: number | null;
  ratio: number | null;
  goal: Goal | null;
  /** null when there is no goal. */
  met: boolean | null;
  /** How it was measured, in a line (counts, what the baseline is). */
  note?: string;
}

export interface Machine {
  cpus: number;
  memory: string;
  node: string;
  os: string;
}

export interface Results {
  machine: Machine;
  date: string;
  figures: Figure[];
}

const rounded = (n: number) => Number(n.toPrecision(4));

/** The middle item by `by` (of an even count, the upper of the two middle ones). */
export function middle<T>(items: readonly T[], by: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => by(a) - by(b));
  const found = sorted[Math.floor(sorted.length / 2)];
  if (found === undefined) throw new Error('no median of nothing');
  return found;
}

/** The middle value (of an even count, the upper of the two middle ones). */
export function median(values: readonly number[]): number {
  return middle(values, (value) => value);
}

/** A figure with its ratio and whether the goal is met, computed here only. */
export function figure(
  name: string,
  value: number,
  unit: Unit,
  options: { baseline?: number | null; goal?: Goal | null; note?: string } = {},
): Figure {
  if (!Number.isFinite(value)) throw new Error(`${name}: the value ${value} is not a number`);
  const baseline = options.baseline ?? null;
  if (baseline !== null && !(Number.isFinite(baseline) && baseline > 0))
    throw new Error(`${name}: the baseline ${baseline} is not a positive number`);
  const goal = options.goal ?? null;
  if (goal && (goal.atLeast === undefined) === (goal.atMost === undefined))
    throw new Error(`${name}: a goal has exactly one bound`);
  if (goal?.of === 'ratio' && baseline === null) throw new Error(`${name}: a goal on the ratio needs a baseline`);
  const ratio = baseline === null ? null : rounded(value / baseline);
  const judged = goal === null ? null : goal.of === 'ratio' ? ratio! : value;
  const met =
    goal === null || judged === null
      ? null
      : goal.atLeast !== undefined
        ? judged >= goal.atLeast
        : judged <= (goal.atMost as number);
  return {
    name,
    value: rounded(value),
    unit,
    baseline: baseline === null ? null : rounded(baseline),
    ratio,
    goal,
    met,
    ...(options.note ? { note: options.note } : {}),
  };
}

/** "≥ 0.8×" or "≤ 400 MB". */
export function describeGoal(goal: Goal | null, unit: Unit): string {
  if (!goal) return '—';
  const [sign, bound] = goal.atLeast !== undefined ? ['≥', goal.atLeast] : ['≤', goal.atMost];
  return goal.of === 'ratio' ? `${sign} ${bound}×` : `${sign} ${bound} ${unit}`;
}

/** One line of the run's output. */
export function printable(f: Figure): string {
  const baseline = f.baseline === null ? '' : ` vs ${f.baseline} ${f.unit} = ${f.ratio}×`;
  const goal = f.goal ? `; goal ${describeGoal(f.goal, f.unit)}: ${f.met ? 'met' : 'NOT met'}` : '';
  return `${f.name}: ${f.value} ${f.unit}${baseline}${goal}${f.note ? ` (${f.note})` : ''}`;
}

export function thisMachine(): Machine {
  return {
    cpus: cpus().length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: `${type()} ${release()}`,
  };
}

export function results(figures: Figure[], date = new Date()): Results {
  return { machine: thisMachine(), date: date.toISOString(), figures };
}

/** The figures as a Markdown table (figure, value, baseline, ratio, goal, met), as the README shows them. */
export function markdownTable(figures: Figure[]): string {
  const cell = (n: number | null, unit: Unit) => (n === null ? '—' : `${n} ${unit}`);
  return [
    '| figure | value | baseline | ratio | goal | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...figures.map(
      (f) =>
        `| ${f.name} | ${cell(f.value, f.unit)} | ${cell(f.baseline, f.unit)} | ${f.ratio === null ? '—' : `${f.ratio}×`} | ` +
        `${describeGoal(f.goal, f.unit)} | ${f.met === null ? '—' : f.met ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}
