// Whether a process is alive, and which one a pid names now: pids are reused (after a kill -9, in each new container,
// where the same small pids come again), so a process is known by its pid and its start time together.
import { readFileSync } from 'node:fs';

/** Alive and not a zombie: an orphan's exit is reaped by init, but a zombie still answers kill(pid, 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** When the process started, in clock ticks since boot (/proc/<pid>/stat's 22nd field), or undefined. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
