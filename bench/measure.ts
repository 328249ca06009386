/**
 * Runs one benchmark process and measures it from outside: whole-process wall time, and peak
 * resident memory by polling /proc/<pid>/status every 50 ms (VmHWM, the kernel's own high-water
 * mark, so a spike between two polls is still seen unless it falls in the last 50 ms). Node
 * children also report process.resourceUsage().maxRSS themselves; the larger of the two is used.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { CaseReport } from './cases/child.js';

const POLL_MS = 50;
const STDERR_KEEP = 4000;

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** `json`: the process prints a CaseReport line on stdout (our Node cases); `none`: e.g. psql. */
  readonly report: 'json' | 'none';
  readonly timeoutMs: number;
  /** Aborting it kills the process (the harness does on SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
}

export interface Measurement {
  readonly wallMs: number;
  /** Peak RSS in KiB: max(child's maxRSS, polled VmHWM/VmRSS). */
  readonly peakRssKiB: number;
  readonly polledRssKiB: number;
  /** What the child reported about itself (json cases). */
  readonly child?: CaseReport;
}

async function sampleRss(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'latin1');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return Math.max(Number(hwm?.[1] ?? 0), Number(rss?.[1] ?? 0));
  } catch {
    return 0; // the process exited between two polls
  }
}

export function parseReport(stdout: string): CaseReport {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const report = JSON.parse(line) as Partial<CaseReport>;
  for (const key of ['wallMs', 'rows', 'fileBytes', 'maxRssKiB'] as const) {
    if (typeof report[key] !== 'number') throw new Error(`child report lacks numeric '${key}': ${line}`);
  }
  return report as CaseReport;
}

/** A run that exited non-zero; `stderr` holds the tail of what it printed. */
export class ProcessFailure extends Error {
  readonly stderr: string;

  constructor(message: string, stderr: string) {
    super(message);
    this.name = 'ProcessFailure';
    this.stderr = stderr;
  }
}

/** The line of a stderr dump that says what went wrong: the first `…Error…:` line, else the last line. */
export function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.find((line) => /^\w*(Error|Exception)\b.*:/.test(line)) ?? lines.at(-1) ?? '(no output)';
}

/** Runs the process to completion; rejects with its stderr when it fails or times out. */
export function measureProcess(spec: ProcessSpec): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(spec.command, spec.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: spec.timeoutMs,
      ...(spec.signal ? { signal: spec.signal } : {}),
      // pg turns `timestamp` into local-time Dates; UTC makes every case show the stored wall clock.
      env: { ...process.env, TZ: 'UTC' },
    });
    let stdout = '';
    let stderr = '';
    let polled = 0;
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-STDERR_KEEP)));
    // spawn() returns after the child's exec, so even this first sample sees the new program, not a fork of ours.
    const sample = (): void => {
      if (child.pid !== undefined) void sampleRss(child.pid).then((kib) => (polled = Math.max(polled, kib)));
    };
    sample();
    const poll = setInterval(sample, POLL_MS);
    child.on('error', (error) => {
      clearInterval(poll);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(poll);
      if (code !== 0) {
        const why = signal === null ? `exit code ${code}` : `signal ${signal}${signal === 'SIGTERM' ? ' (timeout?)' : ''}`;
        reject(new ProcessFailure(`${why}: ${errorLine(stderr)}`, stderr));
        return;
      }
      try {
        const report = spec.report === 'json' ? parseReport(stdout) : undefined;
        const peakRssKiB = Math.max(polled, report?.maxRssKiB ?? 0);
        resolve({ wallMs, peakRssKiB, polledRssKiB: polled, ...(report ? { child: report } : {}) });
      } catch (error) {
        reject(error);
      }
    });
  });
}
