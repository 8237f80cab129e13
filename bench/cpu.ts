// CPU time, the bench's own process (every thread: the worker, the HTTP service, the sandbox, the driver) and its
// Temporal dev server's, read from /proc (Linux; elsewhere the server's is null). Per unit of work it says which of
// the two a side pays with; when both keep the cores busy, a throughput ratio follows their total.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc's clock ticks per second (USER_HZ): 100 on x86 and ARM Linux, whatever the kernel's own tick. */
const TICKS_PER_SECOND = 100;

/** A /proc/<pid>/stat line's fields after the command name, the process's state first. */
function statFields(stat: string): string[] {
  // The command name, in parentheses, may hold spaces and parentheses itself: the fields start after the last ')'.
  return stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
}

/** User and system seconds from a /proc/<pid>/stat line; null when it is not one. */
export function statCpuSeconds(stat: string): number | null {
  const fields = statFields(stat);
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) return null;
  return (utime + stime) / TICKS_PER_SECOND;
}

/** The parent's pid in a /proc/<pid>/stat line; null when it is not one. */
export function statParentPid(stat: string): number | null {
  const parent = Number(statFields(stat)[1]);
  return Number.isInteger(parent) ? parent : null;
}

/** A process's stat line; null once it is gone or where there is no /proc. */
function readStat(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
}

/** A process's CPU seconds so far; null once it is gone or where there is no /proc. */
export function processCpuSeconds(pid: number): number | null {
  const stat = readStat(pid);
  return stat === null ? null : statCpuSeconds(stat);
}

function processIds(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The CPU seconds so far of a process and every process below it (a launcher that runs the server as a child counts
 * it too), each process's stat read once; null once the process is gone or where there is no /proc.
 */
export function treeCpuSeconds(root: number): number | null {
  const stats = new Map<number, string>();
  const children = new Map<number, number[]>();
  for (const pid of processIds()) {
    const stat = readStat(pid);
    if (stat === null) continue; // gone since the listing
    stats.set(pid, stat);
    const parent = statParentPid(stat);
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const own = statCpuSeconds(stats.get(root) ?? '');
  if (own === null) return null;
  let total = own;
  const below = [...(children.get(root) ?? [])];
  for (let pid = below.pop(); pid !== undefined; pid = below.pop()) {
    total += statCpuSeconds(stats.get(pid) ?? '') ?? 0;
    below.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Whether a command line (its arguments) is a Temporal dev server listening on `port`. */
export function isDevServerOn(args: readonly string[], port: string): boolean {
  const at = args.indexOf('--port');
  return args.includes('start-dev') && at >= 0 && args[at + 1] === port;
}

/** The dev server answering at `address` (host:port), found by the `--port` in its command line; else null. */
export function devServerPid(address: string): number | null {
  const port = address.slice(address.lastIndexOf(':') + 1);
  for (const pid of processIds()) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (isDevServerOn(args, port)) return pid;
    } catch {
      // gone since the listing, or not ours to read
    }
  }
  return null;
}

export interface CpuSeconds {
  bench: number;
  /** null when the server's time cannot be read. */
  server: number | null;
}

/** Reads the bench's and its server's CPU seconds; `since` a reading before, the seconds spent from it. */
export class CpuMeter {
  private readonly serverPid: number | null;

  constructor(serverAddress: string) {
    this.serverPid = devServerPid(serverAddress);
  }

  now(): CpuSeconds {
    const { user, system } = process.cpuUsage();
    return {
      bench: (user + system) / 1e6,
      server: this.serverPid === null ? null : treeCpuSeconds(this.serverPid),
    };
  }

  since(before: CpuSeconds): CpuSeconds {
    const after = this.now();
    const server = after.server === null || before.server === null ? null : after.server - before.server;
    return { bench: after.bench - before.bench, server };
  }
}
