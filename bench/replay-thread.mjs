// A thread of bench/stack-traces.ts: TypeScript loaded through tsx's API (a thread does not take the runner's
// loader), then the replays of ./replay-in-thread.ts.
import { register } from 'tsx/esm/api';

register();
await import('./replay-in-thread.ts');
