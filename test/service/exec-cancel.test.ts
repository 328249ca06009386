/**
 * Cancelling a traced export while its source is still connecting returns at once: the executor's trace
 * policy lets the pipeline open the source inside its abort race (service/exec/run-here.ts). The source is
 * a TCP server that accepts connections and never answers, standing in for a PostgreSQL that hangs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SheetpipeError, isSheetpipeError } from '../../src/errors.js';
import { runExport } from '../../src/pipeline/index.js';
import { createExecutor, type ExecutorMode } from '../../src/service/exec/executor.js';
import type { ExportSpec } from '../../src/service/exec/spec.js';
import { makeTempDir, removeDir } from './helpers/server.js';

async function cancelDuringConnect(mode: ExecutorMode): Promise<{ error: unknown; ms: number; left: string[] }> {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as AddressInfo;
  const dir = await makeTempDir('sheetpipe-exec-');
  try {
    const spec: ExportSpec = {
      plan: { source: `postgres://sheetpipe@127.0.0.1:${port}/test`, query: 'select 1 as one', format: 'xlsx' },
      trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', baggage: 'color=canary' },
      nice: 0,
      destination: { kind: 'file', path: join(dir, 'out.xlsx') },
    };
    const controller = new AbortController();
    const connected = once(silent, 'connection');
    const run = createExecutor(mode).run(spec, { signal: controller.signal });
    run.catch(() => undefined);
    await connected;
    const started = performance.now();
    controller.abort(new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', ['by the test']));
    const error = await run.then(() => undefined, (reason: unknown) => reason);
    const ms = performance.now() - started;
    return { error, ms, left: await readdir(dir) };
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
    await removeDir(dir);
  }
}

for (const mode of [{ type: 'in-process', runExport, asyncContext: true }, { type: 'thread' }] as const) {
  test(`a traced export cancelled while its source connects returns within 1 s (${mode.type})`, { timeout: 30_000 }, async () => {
    const { error, ms, left } = await cancelDuringConnect(mode);
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'), `cancelled: ${String(error)}`);
    assert.match((error as Error).message, /by the test/);
    assert.ok(ms < 1000, `returned after ${Math.round(ms)} ms`);
    assert.deepEqual(left, [], 'no output file is left');
  });
}
