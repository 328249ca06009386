/**
 * `sheetpipe worker --config <FILE>`: runs export workers for a `{ "queue": { "type": "redis" } }`
 * config (the same file the API uses), until SIGTERM or SIGINT: then running exports get
 * `server.shutdownGraceSeconds` to finish before they go back to the queue, and it resolves 0.
 * Answers 2 for usage and config errors, 1 when the worker cannot start.
 */
import { isSheetpipeError } from '../../errors.js';
import { loadDistributedConfig } from './load-config.js';
import { redactedUrl } from './queue-config.js';
import { requireRedis, runWorker } from './queue-worker.js';

export const WORKER_USAGE = 'usage: sheetpipe worker --config <FILE>';

function parseWorkerArgs(argv: readonly string[]): { config: string } | string {
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag !== '--config') return `unknown option ${flag}`;
    config = inline ?? argv[++i];
  }
  return config ? { config } : '--config <FILE> is required';
}

export async function workerCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${WORKER_USAGE}\n`);
    return 0;
  }
  const args = parseWorkerArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`sheetpipe worker: ${args}\n${WORKER_USAGE}\n`);
    return 2;
  }
  let handle;
  let graceMs: number;
  try {
    const config = await loadDistributedConfig(args.config);
    const queue = requireRedis(config.queue);
    graceMs = config.server.shutdownGraceSeconds * 1000;
    handle = await runWorker(config);
    process.stdout.write(
      `sheetpipe worker ${handle.name} ready (${redactedUrl(queue.url)}, prefix ${queue.prefix}, concurrency ${config.limits.concurrentExports})\n`,
    );
  } catch (error) {
    process.stderr.write(`sheetpipe worker: ${(error as Error).message}\n`);
    return isSheetpipeError(error) ? error.exitCode : 1;
  }
  const worker = handle;
  // A worker does not reload its config (its running exports hold one each; SIGTERM is the graceful way to
  // apply a new file), but SIGHUP sent to every sheetpipe process to reload the API must not kill it.
  const onHangup = (): void => {
    process.stderr.write('sheetpipe worker: SIGHUP ignored; a worker reads its config at start: restart it (SIGTERM is graceful) to apply changes\n');
  };
  process.on('SIGHUP', onHangup);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', onHangup);
      worker.close(graceMs).then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`sheetpipe worker: shutdown failed: ${(error as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
