import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExportArgs, type ExportArgs } from '../../src/cli/export-args.js';
import { parseDemoArgs } from '../../src/cli/demo-args.js';
import { isSheetpipeError } from '../../src/errors.js';

const base = ['--source', 'sqlite:db.sqlite', '--query', 'select 1', '--out', 'x.xlsx'];

function parsed(argv: string[]): ExportArgs {
  const args = parseExportArgs(argv);
  assert.equal(args.help, false);
  return args as ExportArgs;
}

function usage(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseExportArgs(argv),
    (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_CLI_USAGE') && error.exitCode === 2 && pattern.test(error.message),
  );
}

test('export options parse into typed values', () => {
  const withParams = ['--source', 'sqlite:db.sqlite', '--query', 'select :n where :since < 1', '--out', 'x.xlsx'];
  const args = parsed([...withParams, '--sheet', 'Orders', '--threads', '3', '--tz', 'Europe/Berlin', '--param', 'since=2024-01-01', '--param', 'n=010', '--timeout', '1.5', '--deterministic', '--no-progress']);
  assert.equal(args.source, 'sqlite:db.sqlite');
  assert.equal(args.query, 'select :n where :since < 1');
  assert.equal(args.format, 'xlsx');
  assert.equal(args.sheet, 'Orders');
  assert.equal(args.threads, 3);
  assert.equal(args.timeZone, 'Europe/Berlin');
  assert.deepEqual(args.params, { since: '2024-01-01', n: '010' }, 'values stay text: 010 keeps its zero');
  assert.equal(args.timeoutSeconds, 1.5);
  assert.equal(args.deterministic, true);
  assert.equal(args.progress, false);
});

test('format: from the extension, - is xlsx, --format overrides', () => {
  assert.equal(parsed(['--source', 's', '--table', 't', '--out', 'a.CSV']).format, 'csv');
  assert.equal(parsed(['--source', 's', '--table', 't', '--out', '-']).format, 'xlsx');
  assert.equal(parsed(['--source', 's', '--table', 't', '--out', '-', '--format', 'csv']).format, 'csv');
  assert.equal(parsed(['--source', 's', '--table', 't', '--out', 'a.dat', '--format', 'xlsx']).format, 'xlsx');
  usage(['--source', 's', '--table', 't', '--out', 'a.txt'], /cannot tell the output format from --out a\.txt/);
  usage(['--source', 's', '--table', 't', '--out', 'a.xlsx', '--format', 'ods'], /--format must be xlsx or csv, got "ods"/);
});

test('usage errors name the problem', () => {
  usage([...base, '--bogus'], /unknown option --bogus for sheetpipe export/);
  usage([...base, '--threads', '0'], /--threads must be a positive whole number, got "0"/);
  usage([...base, '--threads', 'two'], /--threads must be a positive whole number/);
  usage([...base, '--threads', '100000'], /--threads must be at most 64/);
  usage([...base, '--threads', '100'], /--threads must be at most 64/); // the engine's own limit, checked before anything runs
  usage([...base, '--timeout', '-1'], /--timeout needs a value, got|--timeout must be a positive number/);
  usage([...base, '--timeout', '0'], /--timeout must be a positive number of seconds/);
  usage(['--source', 's', '--out', 'x.xlsx'], /needs --query <SQL> or --table <NAME>/);
  usage([...base, '--table', 't'], /either --query or --table, not both/);
  usage(['--query', 'select 1', '--out', 'x.xlsx'], /needs --source/);
  usage(['--source', 's', '--query', 'select 1'], /needs --out/);
  usage([...base, '--tz', 'Mars/Olympus'], /--tz "Mars\/Olympus" is not a known time zone/);
  usage([...base, '--param', 'novalue'], /--param "novalue" must look like NAME=VALUE/);
  usage([...base, '--param', '1x=2'], /must look like NAME=VALUE/);
  usage([...base, '--param', 'a=1', '--param', 'a=2'], /--param a is given more than once/);
  usage([...base, '--sheet', 'S', '--format', 'csv'], /--sheet applies only to xlsx/);
  usage([...base, '--sheet', 'Q1/Q2'], /--sheet: invalid sheet name "Q1\/Q2": it contains "\/"/);
  usage([...base, '--sheet', 'x'.repeat(32)], /32 characters is more than Excel's limit of 31/);
  usage([...base, 'stray'], /unexpected argument "stray"/);
  usage([...base, '--out', 'y.xlsx'], /--out is given more than once/);
  usage(['--source', 's', '--query', '--table', 't', '--out', 'x.xlsx'], /--query needs a value, got the option --table/);
  usage([...base, '--deterministic=yes'], /--deterministic takes no value/);
  usage(['--source'], /--source needs a value/);
});

test('an SQL text starting with dashes can still be given inline', () => {
  assert.equal(parsed(['--source', 's', '--query=-- comment\nselect 1', '--out', 'x.csv']).query, '-- comment\nselect 1');
});

test('--help wins over missing options', () => {
  assert.deepEqual(parseExportArgs(['--help']), { help: true });
  assert.deepEqual(parseExportArgs(['-h', '--threads', '0']), { help: true });
});

test('demo options and defaults', () => {
  const args = parseDemoArgs([]);
  assert.equal(args.help, false);
  if (args.help) return;
  assert.equal(args.rows, 1_000_000);
  assert.equal(args.out, 'demo-orders.xlsx');
  assert.equal(args.format, 'xlsx');
  assert.match(args.db, /sheetpipe-demo[/\\]orders\.db$/);
  const small = parseDemoArgs(['--rows', '500', '--out', 'o.csv', '--db', 'd.db']);
  assert.deepEqual(small, { help: false, rows: 500, out: 'o.csv', format: 'csv', db: 'd.db', progress: true });
  assert.throws(() => parseDemoArgs(['--rows', '20000000']), /--rows must be at most 10,000,000/);
  assert.throws(() => parseDemoArgs(['--rows', '0']), /--rows must be a positive whole number/);
});
