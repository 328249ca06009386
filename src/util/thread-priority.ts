/**
 * Lowers the CPU priority of the calling thread. On Linux the nice value is per thread (setpriority(2),
 * NOTES) and threads created later from this one inherit it, so an export thread that calls this
 * before it starts its render/compress workers puts the whole export behind the HTTP event loop when
 * both want a core. Elsewhere nice is per process, where it would slow the event loop too: a no-op.
 */
import { getPriority, setPriority } from 'node:os';

const LOWEST = 19;

/** Adds `increment` (0–19) to this thread's nice value, up to the lowest priority (19). */
export function lowerThreadPriority(increment: number): void {
  if (increment <= 0 || process.platform !== 'linux') return;
  setPriority(Math.min(LOWEST, getPriority() + increment));
}
