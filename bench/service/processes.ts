/** Child processes of the service benchmark: servers that print their address, and one-shot runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-generator.js';

export const HERE = dirname(fileURLToPath(import.meta.url));

export interface Server {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * CPU time (user + system, ms) the process has used so far, all its threads included, from
 * /proc/<pid>/stat; undefined where there is no /proc. Linux counts it in ticks of 10 ms (USER_HZ 100).
 */
export function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Starts `script` (with `nodeArgs`, e.g. `--cpu-prof`) and waits (30 s at most) for a line with its `http://` address. */
export async function startServer(script: string, args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${seen}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then(() => reject(new Error(`${script} exited: ${seen}`)));
  });
  return {
    url,
    pid: child.pid as number,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs one load phase in a separate process (so the generator never shares a CPU queue with the server). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, [join(HERE, 'load-generator.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the load generator failed (${code}): ${output}`);
  return JSON.parse(output.trim().split('\n').pop() as string) as LoadResult;
}

/** Runs a command to completion; answers its wall time in ms. */
export async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`);
  return performance.now() - started;
}
