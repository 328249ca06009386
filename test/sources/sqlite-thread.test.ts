import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
const path = join(dir, 'rows.db');
const SOURCES = new URL('../../src/sources/index.js', import.meta.url).href;

before(() => {
  const db = new Database(path);
  db.exec('CREATE TABLE t (id INTEGER, note TEXT)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 50_000; i++) insert.run(i, `row ${i}`);
  })();
  db.close();
});

after(cleanup);

let runs = 0;

/** Runs `body` (an async function body with `openSource` and `url` in scope) in a fresh Node; it must exit by itself. */
function runAlone(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import { openSource } from ${JSON.stringify(SOURCES)};\nconst url = ${JSON.stringify(`sqlite:${path}`)};\n${body}\nconsole.log('done');`;
  // A file, not `-e`: a worker thread refuses the `--input-type` flag it would inherit.
  const file = join(dir, `alone-${runs++}.mjs`);
  writeFileSync(file, script);
  const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

test('reader threads never keep the process alive: an unclosed source with its idle thread, a query left mid-way', () => {
  const child = runAlone(`
    const source = await openSource(url);
    const cursor = await source.query({ sql: 'SELECT * FROM t' });
    for await (const batch of cursor.batches()) { if (batch.length > 0) break; }
    const other = await source.query({ sql: 'SELECT * FROM t' }); // never read, never closed
    if (other.columns.length !== 2) throw new Error('columns');`);
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /done/);
});

test('an aborted query and a failed one release their threads: the process exits once the source is closed', () => {
  const child = runAlone(`
    const source = await openSource(url);
    const controller = new AbortController();
    const cursor = await source.query({ sql: 'SELECT * FROM t', signal: controller.signal });
    let code;
    try { for await (const _ of cursor.encodedBatches()) controller.abort(new Error('stop')); } catch (error) { code = error.code; }
    if (code !== 'SHEETPIPE_ERR_PIPELINE_CANCELED') throw new Error('abort: ' + code);
    try { await source.query({ sql: 'SELECT * FROM missing' }); } catch (error) { code = error.code; }
    if (code !== 'SHEETPIPE_ERR_SOURCE_QUERY') throw new Error('query: ' + code);
    const rows = [];
    for await (const batch of (await source.query({ sql: 'SELECT count(*) FROM t' })).batches()) rows.push(...batch);
    if (rows[0][0] !== 50000) throw new Error('count: ' + rows[0][0]);
    await source.close();
    // Nothing but worker handles could hold the loop now: any left would show here.
    const left = process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap' && name !== 'PipeWrap');
    if (left.length > 0) console.log('left: ' + left.join(','));`);
  assert.equal(child.status, 0, child.stderr);
  assert.doesNotMatch(child.stdout, /left:/);
  assert.match(child.stdout, /done/);
});
