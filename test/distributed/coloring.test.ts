/**
 * Trace coloring covers distributed jobs like embedded ones: the same colored export, once through
 * the embedded queue and once through Redis and a `sheetpipe worker` process, counts the same hops
 * (`worker`, `db`, `file`) in sheetpipe_color_hops_total, so the coverage panel reads 100 % in both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, makeTempDir, removeDir, startServer, waitForJob, type JobJson } from '../service/helpers/server.js';
import { clusterConfig, startCluster } from './helpers/cluster.js';

const HOPS = ['worker', 'db', 'file'] as const;

/** Posts one `canary`-colored export of `numbers`, waits for it, and reads the color counters from /metrics. */
async function coloredRun(url: string): Promise<{ requests: number; hops: Record<string, number> }> {
  const response = await fetch(`${url}/v1/exports`, {
    method: 'POST',
    headers: { ...auth(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', baggage: 'color=canary', 'content-type': 'application/json' },
    body: JSON.stringify({ report: 'numbers', params: { rows: 200 } }),
  });
  const accepted = (await response.json()) as JobJson;
  assert.equal(response.status, 202, JSON.stringify(accepted));
  await waitForJob(url, accepted.id, (job) => job.status === 'succeeded', 60_000);
  const counter = (text: string, pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
  // A distributed job's hops are counted when the API hears of its end, just after the record reads succeeded.
  for (let tries = 0; ; tries++) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const hops = Object.fromEntries(HOPS.map((hop) => [hop, counter(metrics, new RegExp(`^sheetpipe_color_hops_total\\{color="canary",hop="${hop}"\\} (\\d+)$`, 'm'))]));
    if (HOPS.every((hop) => hops[hop] !== 0) || tries === 50) {
      return { requests: counter(metrics, /^sheetpipe_color_requests_total\{color="canary"\} (\d+)$/m), hops };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a colored export counts the same hops embedded and through Redis: coverage 100 % in both', { timeout: 120_000 }, async () => {
  const dir = await makeTempDir();
  let embedded;
  try {
    const { queue: _redis, ...config } = clusterConfig('unused');
    const server = await startServer(dir, config);
    try {
      embedded = await coloredRun(server.url);
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
  const cluster = await startCluster({ workers: 1 });
  let distributed;
  try {
    distributed = await coloredRun(cluster.url);
  } finally {
    await cluster.close();
  }
  const expected = { requests: 1, hops: { worker: 1, db: 1, file: 1 } };
  assert.deepEqual(embedded, expected, 'embedded: the request and each hop once');
  assert.deepEqual(distributed, expected, 'redis: the same counts, so the same coverage');
});
