/** Per-thread nice values of a process, from /proc/<pid>/task/<tid>/stat (the kernel's own view; Linux only). */
import { readdirSync, readFileSync } from 'node:fs';

/** Nice value of each live thread of `pid` (default: this process), by thread id. */
export function threadNices(pid: number | 'self' = 'self'): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesised name; nice is field 19 of stat(5), the 17th after ")".
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return nices;
}
