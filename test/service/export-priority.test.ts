/**
 * Export threads run at a lower CPU priority than the service's event loop (limits.exportNice): the
 * thread that reads rows and the render/compress workers it starts, never the main thread.
 * Read from /proc/self/task/<tid>/stat, the kernel's own view of each thread's nice value.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { threadNices } from '../helpers/thread-nice.js';
import { PG_URL, until } from './helpers/data.js';
import { TOKEN, auth, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson, type TestServer } from './helpers/server.js';

const NICE = 7;
let server: TestServer;
let dir: string;

before(async () => {
  dir = await makeTempDir();
  server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: {
      rows: { source: 'pg', query: "select g, md5(g::text) as h, g * 1.5 as x from generate_series(1, 400000) g", threads: 2 },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    limits: { exportNice: NICE },
  });
});

after(async () => {
  await server.close();
  await removeDir(dir);
});

test('a running export\'s threads have nice +7; the event loop\'s thread keeps 0', { skip: process.platform !== 'linux' && 'nice is per thread only on Linux' }, async () => {
  const before = threadNices();
  assert.ok([...before.values()].every((nice) => nice === 0), `no thread is niced before: ${[...before]}`);
  const job = (await (await postExport(server.url, { report: 'rows' })).json()) as JobJson;
  let mostNiced = 0;
  let status = job.status;
  while (status === 'queued' || status === 'running') {
    const nices = threadNices();
    assert.equal(nices.get(process.pid), 0, 'the main thread is never niced');
    const niced = [...nices.values()].filter((nice) => nice === NICE).length;
    assert.equal([...nices.values()].filter((nice) => nice !== 0 && nice !== NICE).length, 0, `only 0 and ${NICE}: ${[...nices]}`);
    mostNiced = Math.max(mostNiced, niced);
    await new Promise((resolve) => setTimeout(resolve, 10));
    status = ((await (await fetch(`${server.url}/v1/exports/${job.id}`, { headers: auth() })).json()) as JobJson).status;
  }
  assert.equal((await waitForJob(server.url, job.id, finished)).status, 'succeeded');
  // The export thread and its two render/compress workers.
  assert.ok(mostNiced >= 3, `at most ${mostNiced} threads were niced at once`);
  // The threads are gone with the export; nothing at the service's own priority was lowered.
  // The job succeeds when its thread posts the result; the thread exits after that, niced, so on a busy machine later.
  await until(() => [...threadNices().values()].every((nice) => nice === 0), 10_000, 'no niced thread to outlive the export');
});
