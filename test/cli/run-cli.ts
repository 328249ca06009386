/** Spawns the real CLI (`node dist/src/cli/main.js`) the way a user runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The repository root: this file runs from dist/test/cli/. */
export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const cliPath = resolve(repoRoot, 'dist/src/cli/main.js');
/** The shared conformance checker; in CI the clone has shared/ beside the repository. */
export const xlsxCheckPath = resolve(repoRoot, '../shared/tools/xlsx-check');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function startCli(args: readonly string[], options: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd ?? repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects a child's output; kills it after `timeoutMs` so a hung CLI fails the test instead of the suite. */
export function finished(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${timeoutMs} ms; stderr: ${Buffer.concat(stderr).toString()}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString() });
    });
  });
}

export function runCli(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return finished(startCli(args, options), options.timeoutMs);
}

/** Runs any program (npm, xlsx-check) to completion with a time limit. */
export function runProgram(command: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  return finished(child, options.timeoutMs);
}
