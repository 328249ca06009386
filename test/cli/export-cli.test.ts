import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWithExcelJs } from '../helpers/exceljs-read.js';
import { createItemsDb, tempDir, unwritableDir } from '../pipeline/fixtures.js';
import { cliPath, repoRoot, runCli, runProgram } from './run-cli.js';

const noStack = (stderr: string): void => assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace without --verbose');

test('export a SQLite table to xlsx: exit 0, nothing on stdout, a summary line on stderr', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 50);
  const out = join(dir, 'items.xlsx');
  const result = await runCli(['export', '--source', `sqlite:${db}`, '--table', 'items', '--out', out, '--threads', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.length, 0);
  assert.match(result.stderr, new RegExp(`^exported 50 rows, 1 sheet, [\\d.]+ kB in [\\d.]+ s \\([\\d,]+ rows/s\\) to ${out}\\n$`));
  assert.equal(readFileSync(out).subarray(0, 2).toString(), 'PK');
  assert.deepEqual(readdirSync(dir).sort(), ['items.xlsx', 'shop.db']);
});

test('export a query with --param to CSV', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 10);
  const out = join(dir, 'few.csv');
  const result = await runCli(['export', '--source', `sqlite:${db}`, '--query', 'select id, ok from items where id between :lo and :hi', '--param', 'lo=2', '--param', 'hi=3', '--out', out, '--no-progress']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'id,ok\r\n2,false\r\n3,true\r\n');
});

test('--out - writes the file to stdout and nothing else', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 5);
  const xlsx = await runCli(['export', '--source', `sqlite:${db}`, '--table', 'items', '--out', '-', '--threads', '1', '--deterministic']);
  assert.equal(xlsx.code, 0, xlsx.stderr);
  assert.equal(xlsx.stdout.subarray(0, 4).toString('hex'), '504b0304', 'a zip file starts on the first byte');
  assert.match(xlsx.stderr, /exported 5 rows, 1 sheet, .* to standard output/);
  const csv = await runCli(['export', '--source', `sqlite:${db}`, '--query', 'select id, name from items where id < 3', '--out', '-', '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout.toString(), 'id,name\r\n1,item 1\r\n2,item 2\r\n');
  assert.equal(readdirSync(dir).length, 1, 'no file written');
});

test('usage errors exit 2 with a message naming the problem', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const base = ['export', '--source', `sqlite:${db}`, '--out', join(dir, 'x.xlsx')];
  const cases: [string[], RegExp][] = [
    [[...base, '--table', 'items', '--bogus'], /^sheetpipe: unknown option --bogus for sheetpipe export \(see sheetpipe export --help\)\n$/],
    [[...base, '--table', 'items', '--threads', '0'], /^sheetpipe: --threads must be a positive whole number, got "0"\n/],
    [base, /^sheetpipe: sheetpipe export needs --query <SQL> or --table <NAME>\n/],
    [[...base, '--table', 'items', '--query', 'select 1'], /^sheetpipe: give either --query or --table, not both\n/],
    [['export', '--source', 'oracle://db.example/x', '--table', 't', '--out', join(dir, 'x.xlsx')], /^sheetpipe: unknown source scheme in "?oracle:\/\/db\.example\/x/],
    [['exprot'], /^sheetpipe: unknown command "exprot"/],
    [[], /Usage:/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout.length, 0);
    noStack(result.stderr);
  }
  assert.deepEqual(readdirSync(dir), ['shop.db']);
});

test('runtime failures exit 1 in user terms: missing database (never created), bad SQL, unwritable output', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const missing = join(dir, 'missing.db');
  const absent = await runCli(['export', '--source', `sqlite:${missing}`, '--table', 'items', '--out', join(dir, 'x.xlsx')]);
  assert.equal(absent.code, 1, absent.stderr);
  assert.match(absent.stderr, /^sheetpipe: source file not found: "?.*missing\.db"?\n$/);
  assert.equal(existsSync(missing), false, 'the database file is never created');
  noStack(absent.stderr);

  const badSql = await runCli(['export', '--source', `sqlite:${db}`, '--query', 'select * from nope', '--out', join(dir, 'x.xlsx')]);
  assert.equal(badSql.code, 1);
  assert.match(badSql.stderr, /^sheetpipe: the database rejected the query: .*no such table: nope/);
  noStack(badSql.stderr);

  const locked = unwritableDir(dir);
  const unwritable = await runCli(['export', '--source', `sqlite:${db}`, '--table', 'items', '--out', join(locked, 'x.xlsx')]);
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, new RegExp(`^sheetpipe: cannot write the output ${locked}/x\\.xlsx: directory ${locked} is not writable\\n$`));
  assert.deepEqual(readdirSync(dir).filter((name) => name !== 'locked'), ['shop.db']);
});

test('a query that is not a single read statement is refused before it runs: exit 2, the reason, no file', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const result = await runCli(['export', '--source', `sqlite:${db}`, '--query', '/* x */ delete from items', '--out', join(dir, 'x.xlsx')]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^sheetpipe: refused to run the query: "DELETE" is not a read query .*; only a single statement that returns rows runs\n/);
  noStack(result.stderr);
  assert.deepEqual(readdirSync(dir), ['shop.db']);
});

test('--verbose adds the error code, the cause and the stack', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const result = await runCli(['export', '--source', `sqlite:${db}`, '--query', 'select * from nope', '--out', join(dir, 'x.xlsx'), '--verbose']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /\[SHEETPIPE_ERR_SOURCE_QUERY\] SheetpipeError: the database rejected the query/);
  assert.match(result.stderr, /\n\s+at /);
});

test('--timeout cancels a slow export: exit 1, the message, no file', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const endless = "with recursive n(i) as (select 1 union all select i + 1 from n) select i from n";
  const result = await runCli(['export', '--source', `sqlite:${db}`, '--query', endless, '--out', join(dir, 'x.xlsx'), '--timeout', '0.5', '--threads', '1']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^sheetpipe: the export did not finish within 0\.5 seconds\n$/);
  assert.deepEqual(readdirSync(dir), ['shop.db']);
});

test('--help, export --help, demo --help and --version', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout.toString(), /sheetpipe export --source <SOURCE> \(--query <SQL> \| --table <NAME>\)/);
  const exportHelp = await runCli(['export', '--help']);
  assert.equal(exportHelp.code, 0);
  for (const flag of ['--source', '--query', '--table', '--out', '--sheet', '--threads', '--format', '--tz', '--param', '--timeout', '--deterministic', '--no-progress', '--verbose']) {
    assert.ok(exportHelp.stdout.toString().includes(flag), `export --help documents ${flag}`);
  }
  const demoHelp = await runCli(['demo', '--help']);
  assert.equal(demoHelp.code, 0);
  assert.match(demoHelp.stdout.toString(), /--rows <N>/);
  const version = await runCli(['--version']);
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.code, 0);
  assert.equal(version.stdout.toString(), `${pkg.version}\n`);
});

test('an xlsx is not written to a terminal (stdout a pty, via util-linux script)', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} export --source sqlite:${db} --table items --out -; echo "exit=$?"`;
  const result = await runProgram('script', ['-qec', command, '/dev/null']);
  const output = result.stdout.toString();
  assert.match(output, /sheetpipe: refusing to write a binary \.xlsx to the terminal/);
  assert.match(output, /exit=2/);
});

test('--threads beyond the engine\'s 64 is a usage error before anything runs', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const result = await runCli(['export', '--source', `sqlite:${db}`, '--table', 'items', '--out', join(dir, 'x.xlsx'), '--threads', '100']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^sheetpipe: --threads must be at most 64, got 100\n/);
  assert.deepEqual(readdirSync(dir), ['shop.db']);
});

test('a --param the query does not use is a usage error naming it (a typo would export unfiltered rows)', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 3);
  const out = join(dir, 'x.csv');
  const typo = await runCli(['export', '--source', `sqlite:${db}`, '--query', 'select id from items where id = :id', '--param', 'idd=2', '--param', 'id=2', '--out', out]);
  assert.equal(typo.code, 2, typo.stderr);
  assert.match(typo.stderr, /^sheetpipe: --param idd: the query has no :idd \(it uses :id\)\n/);
  const table = await runCli(['export', '--source', `sqlite:${db}`, '--table', 'items', '--param', 'id=2', '--out', out]);
  assert.equal(table.code, 2, table.stderr);
  assert.match(table.stderr, /^sheetpipe: --param id: the query has no :id \(it uses no parameters\)\n/);
  assert.equal(existsSync(out), false);
});

test('a reader that closes --out - early ends the export quietly with exit 141 (128 + SIGPIPE)', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 200_000);
  const child = spawn(process.execPath, [cliPath, 'export', '--source', `sqlite:${db}`, '--table', 'items', '--out', '-', '--format', 'csv', '--no-progress'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Like `| head -1`: read the first chunk, then close the pipe.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 141, stderr);
  assert.equal(stderr, '', 'no message');
});

test('CSV sources: no --query or --table needed, any delimiter, the file name as the sheet, no parameters', async (t) => {
  const dir = tempDir(t);
  const semicolons = join(dir, 'orders.csv');
  writeFileSync(semicolons, 'id;amount;note\n1;12.5;a,b\n2;-3;"x;y"\n');
  const tabs = join(dir, 'tabs.tsv');
  writeFileSync(tabs, 'id\tname\n1\tone\n');
  const out = join(dir, 'orders.xlsx');
  const xlsx = await runCli(['export', '--source', `csv:${semicolons}?delimiter=;`, '--out', out, '--no-progress']);
  assert.equal(xlsx.code, 0, xlsx.stderr);
  const [sheet] = await readWithExcelJs(out);
  assert.equal(sheet?.name, 'orders');
  assert.deepEqual(sheet?.rows, [['id', 'amount', 'note'], [1, 12.5, 'a,b'], [2, -3, 'x;y']]);
  const csv = await runCli(['export', '--source', `csv:${tabs}?delimiter=tab`, '--out', '-', '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout.toString(), 'id,name\r\n1,one\r\n');
  const bad = await runCli(['export', '--source', `csv:${tabs}?delimiter=:`, '--out', '-', '--format', 'csv']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /delimiter ":" is not one of , ; \| tab/);
  const param = await runCli(['export', '--source', `csv:${tabs}`, '--param', 'x=1', '--out', '-', '--format', 'csv']);
  assert.equal(param.code, 2, param.stderr);
  assert.match(param.stderr, /^sheetpipe: a CSV source takes no parameters: --param x\n/);
});
