/** A service in a child process: for SIGTERM, SIGKILL and memory-limit tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConfig } from './server.js';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'serve-process.js');

export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

export async function startChildServer(dir: string, raw: unknown, nodeArgs: string[] = []): Promise<ChildServer> {
  const file = await writeConfig(dir, raw);
  const child = spawn(process.execPath, [...nodeArgs, ENTRY, '--config', file, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SHEETPIPE_LOG_LEVEL: 'warn' },
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /sheetpipe serving on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`the server exited (${code}) before it listened: ${output}`)));
  });
  return { url, child, output: () => output, exited };
}
