// A thread of bench/stack-traces.ts: tsx registered in this thread (on Node 20 a thread's module loader hooks are its
// own), then the replays of ./replay-in-thread.ts.
import { register } from 'tsx/esm/api';

register();
await import('./replay-in-thread.ts');
