/**
 * The block metrics count exports run in an export thread: the thread forwards each block written
 * (protocol.ts `block`) and the executor republishes it on this thread's diagnostics channel, where
 * ServiceMetrics listens. Nobody listening (hasSubscribers), the thread is not asked to forward anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { blockWritten } from '../../src/pipeline/diagnostics.js';
import { createExecutor } from '../../src/service/exec/executor.js';
import type { ExportSpec } from '../../src/service/exec/spec.js';
import { ServiceMetrics } from '../../src/service/metrics.js';
import { makeTempDir, removeDir } from './helpers/server.js';

const ROWS = 5_000;

async function counter(metrics: ServiceMetrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  return (await metric.get()).values.reduce((sum, entry) => sum + entry.value, 0);
}

test('blocks written in an export thread move the block metrics of the main thread', { timeout: 60_000 }, async () => {
  const dir = await makeTempDir('sheetpipe-exec2-metrics-');
  const metrics = new ServiceMetrics({
    counts: () => ({ waiting: 0, running: 0 }),
    running: () => 0,
    watermarks: {
      rss: { degrade: 1e12, queue: 1e12, refuse: 1e12 }, heap: { queue: 1e12, refuse: 1e12 },
      eventLoopDelayMs: { queue: 1e6, refuse: 1e6 }, diskFree: { queue: 0, refuse: 0 },
    },
  });
  try {
    const db = join(dir, 'empty.db');
    new Database(db).close();
    const spec: ExportSpec = {
      plan: {
        source: `sqlite:${db}`,
        query: `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${ROWS}) select i from n`,
        format: 'csv',
      },
      nice: 0,
      destination: { kind: 'file', path: join(dir, 'out.csv') },
    };
    const executor = createExecutor({ type: 'thread' });
    const outcome = await executor.run(spec, { signal: new AbortController().signal });
    assert.equal(outcome.rows, ROWS);
    const blocks = await counter(metrics, 'sheetpipe_export_blocks_written_total');
    assert.ok(blocks >= 1, `blocks counted: ${blocks}`);
    assert.equal(await counter(metrics, 'sheetpipe_export_block_rows_total'), ROWS, 'every row of the thread\'s blocks is counted once');

    metrics.close();
    assert.equal(blockWritten.hasSubscribers, false, 'a closed ServiceMetrics stops listening: threads are no longer asked to forward');
  } finally {
    metrics.close();
    await removeDir(dir);
  }
});
