import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers/xlsx-check.js';
import { listEntries } from '../helpers/zip-read.js';

const run = promisify(execFile);
const examplesDir = resolve(repoRoot, 'dist/examples');

// Every example in the docs is a runnable file; each must run and produce a readable workbook.
for (const file of readdirSync(examplesDir).filter((name) => name.endsWith('.js'))) {
  test(`example ${file} runs and writes a valid workbook`, async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'sheetpipe-example-')), 'out.xlsx');
    const { stdout } = await run(process.execPath, [join(examplesDir, file), out], { cwd: repoRoot, timeout: 120_000 });
    assert.match(stdout, /wrote|exported/);
    const names = listEntries(await readFile(out)).map((entry) => entry.name);
    assert.ok(names.includes('xl/workbook.xml') && names.includes('xl/worksheets/sheet1.xml'), names.join(', '));
  });
}
