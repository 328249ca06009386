import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { repoRoot } from '../helpers/xlsx-check.js';

const run = promisify(execFile);
const CLI = resolve(repoRoot, 'dist/src/cli/main.js');
const TOKEN = 'cli-test-token';

async function serviceDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-cli-serve-'));
  const db = new Database(join(dir, 'demo.db'));
  db.exec('create table orders (id integer primary key, amount real)');
  const insert = db.prepare('insert into orders (amount) values (?)');
  for (let i = 0; i < 500; i++) insert.run(i * 1.5);
  db.close();
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      sources: { demo: { url: 'sqlite:./demo.db' } },
      reports: { orders: { source: 'demo', query: 'select * from orders order by id' } },
      tokens: [{ token: TOKEN, reports: ['*'] }],
      storage: { dir: './exports' },
    }),
  );
  return dir;
}

test('sheetpipe serve answers over loopback, exports, and exits 0 on SIGTERM; latency-report reads its log', async () => {
  const dir = await serviceDir();
  const child = spawn(process.execPath, [CLI, 'serve', '--config', join(dir, 'config.json'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "serving on" line: ${output}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /sheetpipe serving on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    });
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'binds loopback by default');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/v1/exports/nope`)).status, 401);
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const created = await fetch(`${url}/v1/exports`, { method: 'POST', headers, body: JSON.stringify({ report: 'orders' }) });
  assert.equal(created.status, 202);
  const { id } = (await created.json()) as { id: string };
  let status = '';
  for (let i = 0; i < 100 && status !== 'succeeded'; i++) {
    status = ((await (await fetch(`${url}/v1/exports/${id}`, { headers })).json()) as { status: string }).status;
    if (status !== 'succeeded') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 'succeeded');
  // serve runs `sheetpipe check`'s audit in the background and logs its findings: the test's file is writable.
  for (let i = 0; i < 100 && !output.includes('source check:'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(output, /"source":"demo".*source check: the file \S*demo\.db is writable by this process/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);

  const log = join(dir, 'exports', 'latency.bin');
  assert.ok(existsSync(log), 'the latency ring is flushed on shutdown');
  const text = await run(process.execPath, [CLI, 'latency-report', log]);
  assert.match(text.stdout, /POST \/v1\/exports/);
  const json = JSON.parse((await run(process.execPath, [CLI, 'latency-report', log, '--json'])).stdout) as { routes: unknown[] };
  assert.ok(Array.isArray(json.routes) && json.routes.length > 0);
});

test('latency-report on a missing file fails with exit 1 and says so', async () => {
  await assert.rejects(run(process.execPath, [CLI, 'latency-report', '/nonexistent/latency.bin']), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /no such file/);
    return true;
  });
});
