/**
 * The 03:00 burst: 50 concurrent export requests for a 1,000,000-row PostgreSQL report against a
 * server in its own process with a small heap (--max-old-space-size=512) and small limits. The
 * process must stay up with RSS under memoryLimitMb, every refused request must be 429 or 503
 * with Retry-After, and every accepted export must finish with a valid file. Bounded to ~2 minutes:
 * 2 running + 2 waiting exports of 1M rows (about 12 s each alone on this machine).
 * Why 512 MB: the flag bounds every isolate, and one such export (1M distinct texts) peaks at
 * ~140 MB of heap in the thread that runs it and dies in a 128 MB heap even alone (measured; the
 * engine keeps its shared-strings table). Admission can only stop new exports, not shrink running ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PG_URL, dropPgTable, makePgOrders } from './helpers/data.js';
import { startChildServer } from './helpers/child.js';
import { TOKEN, auth, finished, makeTempDir, postExport, removeDir, waitForJob, type JobJson } from './helpers/server.js';
import { xlsxCheck } from './helpers/xlsx-check.js';

const ROWS = 1_000_000;
const REQUESTS = 50;
const MEMORY_LIMIT_MB = 1024;

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

test('a burst of 50 export requests is queued or refused, never allowed to exhaust memory', { timeout: 420_000 }, async () => {
  const dir = await makeTempDir();
  const table = await makePgOrders(ROWS);
  const child = await startChildServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: { big: { source: 'pg', query: `select * from ${table} order by id`, sheet: 'Orders' } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    limits: { concurrentExports: 2, queueLength: 2, memoryLimitMb: MEMORY_LIMIT_MB, retryAfterSeconds: 3 },
  }, ['--max-old-space-size=512']);
  const pid = child.child.pid as number;
  let peakRss = 0;
  const sampler = setInterval(() => void rssOf(pid).then((rss) => (peakRss = Math.max(peakRss, rss))), 100);
  try {
    const responses = await Promise.all(Array.from({ length: REQUESTS }, () => postExport(child.url, { report: 'big' })));
    const accepted: JobJson[] = [];
    for (const response of responses) {
      if (response.status === 202) {
        accepted.push((await response.json()) as JobJson);
        continue;
      }
      assert.ok(response.status === 429 || response.status === 503, `refused with ${response.status}`);
      assert.equal(response.headers.get('retry-after'), '3');
      await response.body?.cancel();
    }
    assert.ok(accepted.length >= 1 && accepted.length <= 4, `${accepted.length} accepted: at most 2 running + 2 waiting`);
    for (const job of accepted) {
      const done = await waitForJob(child.url, job.id, finished, 200_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.equal(done.rows, ROWS);
      const file = join(dir, 'exports', 'files', `${job.id}.xlsx`);
      const check = await xlsxCheck(file, 'Orders', [], 'zip');
      assert.equal(check.code, 0, check.output);
    }
    const download = await fetch(`${child.url}/v1/exports/${accepted[0]?.id}/file`, { headers: auth(), method: 'HEAD' });
    assert.equal(download.status, 200);
    assert.equal(child.child.exitCode, null, 'the server is still running');
    assert.ok(peakRss > 0 && peakRss < MEMORY_LIMIT_MB * 1024 * 1024, `peak RSS ${Math.round(peakRss / 1048576)} MB must stay under ${MEMORY_LIMIT_MB} MB`);
    console.log(`burst: ${accepted.length} accepted, ${REQUESTS - accepted.length} refused, peak RSS ${Math.round(peakRss / 1048576)} MB`);
  } catch (error) {
    throw new Error(`${(error as Error).message}; server exit ${child.child.exitCode}; output: ${child.output().slice(-3000)}`, { cause: error });
  } finally {
    clearInterval(sampler);
    child.child.kill('SIGTERM');
    await child.exited;
    await dropPgTable(table);
    await removeDir(dir);
  }
});
