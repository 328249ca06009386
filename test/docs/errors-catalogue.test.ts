import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERRORS, SheetpipeError } from '../../src/errors.js';
import { repoRoot } from '../helpers/xlsx-check.js';

const docs = readFileSync(resolve(repoRoot, 'docs/errors.md'), 'utf8');
const documented = [...docs.matchAll(/^## (SHEETPIPE_ERR_[A-Z0-9_]+)\s*$/gm)].map((match) => match[1]!);

test('every catalogue code has a section in docs/errors.md, and every section a code', () => {
  const codes = Object.keys(ERRORS).sort();
  assert.deepEqual([...new Set(documented)].sort(), codes);
  assert.equal(new Set(documented).size, documented.length, 'a code is documented twice');
});

test('codes follow SHEETPIPE_ERR_<AREA>_<WHAT> and statuses are HTTP error statuses', () => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.match(code, /^SHEETPIPE_ERR_(XLSX|ZIP|SOURCE|PIPELINE|CLI|SERVICE|OBSERVABILITY|DISTRIBUTED|DELIVERY|REPORT|TEMPLATE)_[A-Z0-9_]+$/);
    assert.ok(spec.status >= 400 && spec.status < 600, code);
  }
});

test('a SheetpipeError carries its code, status, formatted message and cause', () => {
  const cause = new Error('disk full');
  const error = new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', ['/tmp/x.xlsx', 'disk full'], { cause });
  assert.equal(error.code, 'SHEETPIPE_ERR_PIPELINE_OUTPUT');
  assert.equal(error.status, 500);
  assert.equal(error.message, 'cannot write the output /tmp/x.xlsx: disk full');
  assert.equal(error.cause, cause);
  assert.equal(new SheetpipeError('SHEETPIPE_ERR_CLI_USAGE', ['bad flag']).exitCode, 2);
});
