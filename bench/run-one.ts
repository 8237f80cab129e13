// One benchmark in a process of its own (bench/run.ts forks one per benchmark): its figures go back to the runner
// over the IPC channel; a failure exits non-zero after printing it.
import { benchmarks } from './benchmarks.js';

// The runner gone (stopped by a signal of its own), the benchmark stops too: its servers and workers with it.
process.on('disconnect', () => process.exit(1));

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const bench = benchmarks[name];
  if (!bench) throw new Error(`no benchmark ${name} (there are ${Object.keys(benchmarks).join(', ')})`);
  if (!process.send) throw new Error('run by bench/run.ts, which reads the figures over IPC');
  const figures = await bench();
  await new Promise<void>((resolve, reject) =>
    process.send?.(figures, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

main().then(
  () => process.exit(0), // a client or timer a benchmark left must not keep the process
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
