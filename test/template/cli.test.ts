import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { finished, startCli } from '../cli/run-cli.js';
import { tempDir } from '../pipeline/fixtures.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { expectedSales, fixture, PG_URL, salesQuery } from './helpers.js';

test('sheetpipe export --template --into fills the table from PostgreSQL', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'report.xlsx');
  const rows = 1_000;
  const result = await finished(
    startCli(['export', '--source', PG_URL, '--query', salesQuery(rows), '--out', out, '--template', fixture('template.xlsx'), '--into', 'table:Sales', '--no-progress', '--threads', '2']),
  );
  assert.equal(result.code, 0, result.stderr);
  const expected = [
    {
      name: 'Data',
      rows: [
        ['Sales data'],
        [],
        ['id', 'region', 'sold_on', 'quantity', 'amount'],
        ...expectedSales(rows).map(([id, region, sold, quantity, amount]) => [id, region, { date: `${sold}T00:00:00` }, quantity, amount]),
      ],
    },
  ];
  const check = await xlsxCheck(out, expected, 'zip,openpyxl', ['--sheet', 'Data']);
  assert.equal(check.code, 0, check.output);
});

test('template usage errors exit 2 and leave no file; an unsafe template exits 2 with its reason', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'report.xlsx');
  const base = ['export', '--source', PG_URL, '--query', 'select 1', '--out', out, '--no-progress'];
  const cases: [string[], RegExp][] = [
    [['--template', fixture('template.xlsx')], /--template and --into go together/],
    [['--template', fixture('template.xlsx'), '--into', 'table:Sales', '--sheet', 'X'], /--sheet does not apply with --template/],
    [['--template', fixture('template.xlsx'), '--into', 'Sales'], /SHEETPIPE_ERR_TEMPLATE_BAD_TARGET|invalid template target/],
    [['--template', fixture('below.xlsx'), '--into', 'table:Sales'], /cell A9 lies below the data area/],
  ];
  for (const [extra, message] of cases) {
    const result = await finished(startCli([...base, ...extra]));
    assert.equal(result.code, 2, `${extra.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\/work\/|fixtures\//, 'the template is named without its directory');
  }
  const csv = await finished(startCli(['export', '--source', PG_URL, '--query', 'select 1', '--out', join(dir, 'r.csv'), '--template', fixture('template.xlsx'), '--into', 'table:Sales']));
  assert.equal(csv.code, 2);
  assert.match(csv.stderr, /--template fills an .xlsx output only/);
  assert.deepEqual(readdirSync(dir).filter((name) => !name.endsWith('.json')), []);
});
