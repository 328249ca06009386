import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENDLESS_SQL, createItemsDb, tempDir } from '../pipeline/fixtures.js';
import { finished, startCli } from './run-cli.js';

/** Polls until `check` is true; fails after `ms`. */
async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const [signal, format] of [['SIGTERM', 'xlsx'], ['SIGINT', 'csv']] as const) {
  test(`${signal} mid-export: exit 1, "cancelled", no partial file, the existing target untouched (${format})`, async (t) => {
    const dir = tempDir(t);
    const db = createItemsDb(join(dir, 'shop.db'), 1);
    const out = join(dir, `report.${format}`);
    writeFileSync(out, 'yesterday’s report');
    const child = startCli(['export', '--source', `sqlite:${db}`, '--query', ENDLESS_SQL, '--out', out, '--threads', '1']);
    const exited = finished(child, 30_000);
    // The temp file exists once rows are being written.
    const isTemp = (name: string): boolean => name.startsWith(`.report.${format}.`) && name.endsWith('.tmp');
    await waitFor(() => readdirSync(dir).some(isTemp), 15_000, 'the export to start writing');
    child.kill(signal);
    const result = await exited;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^sheetpipe: the export was cancelled: received ${signal}\\n$`));
    assert.equal(readFileSync(out, 'utf8'), 'yesterday’s report');
    assert.deepEqual(readdirSync(dir).sort(), [`report.${format}`, 'shop.db']);
  });
}
