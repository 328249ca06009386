/**
 * The child side of a benchmark case: parses the flags the harness passes, runs the work,
 * and prints one JSON line `{wallMs, rows, fileBytes, maxRssKiB}` on stdout (nothing else goes there).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface CaseArgs {
  readonly rows: number;
  readonly out: string;
  readonly threads: number;
  /** Database cases: the source URL and the query they export. */
  readonly source: string;
  readonly query: string;
}

export interface CaseReport {
  readonly wallMs: number;
  readonly rows: number;
  readonly fileBytes: number;
  /** process.resourceUsage().maxRSS: the whole process's peak, all threads, in KiB. */
  readonly maxRssKiB: number;
  /** CPU time of the main thread alone (user + system), from /proc; undefined off Linux. */
  readonly mainCpuMs?: number;
}

/**
 * The main thread's own CPU time: /proc/self/task/<pid>/stat fields 14 and 15 (utime, stime, in clock ticks of
 * 10 ms). Unlike a profile's samples it does not grow when a busy machine deschedules the thread.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} must be a positive integer, got '${text}'`);
  return value;
}

export function parseCaseArgs(argv: readonly string[]): CaseArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string' },
      out: { type: 'string' },
      threads: { type: 'string' },
      source: { type: 'string' },
      query: { type: 'string' },
    },
    strict: true,
  });
  if (values.out === undefined) throw new Error('--out <file> is required');
  return {
    rows: positiveInteger('rows', values.rows, 100_000),
    out: values.out,
    threads: positiveInteger('threads', values.threads, 1),
    source: values.source ?? 'postgres://postgres@127.0.0.1/test',
    query: values.query ?? '',
  };
}

/**
 * Runs one case in this process and reports it; exits 1 with the error on stderr on failure.
 * `work` returns the number of data rows it wrote.
 */
export function runCase(work: (args: CaseArgs) => Promise<number>): void {
  const started = performance.now();
  const main = async (): Promise<void> => {
    const args = parseCaseArgs(process.argv.slice(2));
    const rows = await work(args);
    const report: CaseReport = {
      wallMs: performance.now() - started,
      rows,
      fileBytes: existsSync(args.out) ? statSync(args.out).size : 0,
      maxRssKiB: process.resourceUsage().maxRSS,
      mainCpuMs: mainThreadCpuMs(),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  };
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
