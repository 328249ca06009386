import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSheetpipeError } from '../../src/errors.js';
import { BATCH_ROWS, openSource } from '../../src/sources/index.js';
import { collect, describeOf, plain, tempDir, timeOfDay, utc } from './helpers.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function csvFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('inferred columns: canonical numbers that survive a double are numbers, everything else text', async () => {
  const path = csvFile('inferred.csv', '\uFEFFid,zip,amount,note,2024,big\r\n1,007,12.50,"multi\nline, with comma",x,12345678901234567890\r\n2,10115,-0.5,"",,1e3\r\n\r\n3,+5,.5,héllo ✓,NaN,9007199254740993\r\n');
  const source = await openSource(`csv:${path}`);
  const { rows, cursor } = await collect(source, { sql: 'ignored' });
  // Each value decides an undeclared column's kind: describe says `unknown`, as the cursor does.
  assert.deepEqual(await describeOf(source)({ sql: 'ignored' }), cursor.columns);
  await source.close();
  assert.deepEqual(cursor.columns, ['id', 'zip', 'amount', 'note', '2024', 'big'].map((name) => ({ name, kind: 'unknown' })));
  assert.deepEqual(rows, [
    [1, '007', 12.5, 'multi\nline, with comma', 'x', '12345678901234567890'],
    [2, 10115, -0.5, null, null, 1000],
    [3, '+5', '.5', 'héllo ✓', 'NaN', '9007199254740993'],
  ]);
});

test('declared column types convert every value, in the display zone for instants', async () => {
  const path = csvFile('typed.csv', 'id,amount,price,ok,day,at,when,label\n9007199254740993,0.1000,1.5,yes,2024-02-29,13:45:30,2024-07-01T12:00:00Z,007\n2,,2,F,2024-01-01,00:00,2024-07-01 12:00,\n');
  const source = await openSource(`csv:${path}?types=id:integer,amount:decimal,price:number,ok:boolean,day:date,at:time,when:datetime,label:text`);
  const { rows, cursor } = await collect(source, { sql: '', timeZone: 'Asia/Tokyo' });
  // describe reads the header row only and reports the same columns.
  assert.deepEqual(await describeOf(source)({ sql: '' }), cursor.columns);
  await source.close();
  assert.deepEqual(
    cursor.columns.map((c) => `${c.name}:${c.kind}${c.format === undefined ? '' : `:${String(c.format)}`}`),
    ['id:integer:integer', 'amount:decimal', 'price:number', 'ok:boolean', 'day:date:date', 'at:time:time', 'when:datetime:datetime', 'label:text'],
  );
  assert.deepEqual(rows.map(plain), [
    ['9007199254740993', 0.1, 1.5, true, { ms: utc('2024-02-29T00:00:00') }, { ms: timeOfDay('13:45:30') }, { ms: utc('2024-07-01T21:00:00') }, '007'],
    [2, null, 2, false, { ms: utc('2024-01-01T00:00:00') }, { ms: timeOfDay('00:00:00') }, { ms: utc('2024-07-01T12:00:00') }, null],
  ]);
});

test('a value that does not fit its declared type names file, line and column', async () => {
  const path = csvFile('bad-value.csv', 'id,amount\n1,2\n2,"3"\n3,abc\n');
  const source = await openSource(`csv:${path}?types=amount:number`);
  const cursor = await source.query({ sql: '' });
  await assert.rejects(
    (async () => {
      for await (const batch of cursor.batches()) void batch;
    })(),
    (error: unknown) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_CSV'), String(error));
      assert.match(error.message, /bad-value\.csv", line 4: column "amount": "abc" is not a number/);
      return true;
    },
  );
  await source.close();
});

test('ragged rows and broken quotes are SHEETPIPE_ERR_SOURCE_CSV with the line', async () => {
  const ragged = await openSource(`csv:${csvFile('ragged.csv', 'a,b\n1,2\n3\n')}`);
  await assert.rejects(collect(ragged, { sql: '' }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_CSV') && /line 3/.test(error.message));
  await ragged.close();
  const quotes = await openSource(`csv:${csvFile('quotes.csv', 'a,b\n1,"unterminated\n')}`);
  await assert.rejects(collect(quotes, { sql: '' }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_CSV'));
  await quotes.close();
});

test('streams a larger file in batches; header only and empty files give no rows', async () => {
  const lines = ['n,sq'];
  for (let i = 1; i <= 7000; i++) lines.push(`${i},${i * i}`);
  const source = await openSource(`csv:${csvFile('big.csv', `${lines.join('\n')}\n`)}`);
  const { rows, batches } = await collect(source, { sql: '' });
  await source.close();
  assert.equal(rows.length, 7000);
  assert.equal(batches, Math.ceil(7000 / BATCH_ROWS));
  assert.ok(rows.every((row, i) => row[0] === i + 1 && row[1] === (i + 1) ** 2));
  const headerOnly = await openSource(`csv:${csvFile('header.csv', 'a,b\n')}`);
  const result = await collect(headerOnly, { sql: '' });
  assert.deepEqual(await describeOf(headerOnly)({ sql: '' }), result.cursor.columns);
  assert.deepEqual([result.rows, result.cursor.columns.map((c) => c.name)], [[], ['a', 'b']]);
  await headerOnly.close();
  const empty = await openSource(`csv:${csvFile('empty.csv', '')}`);
  assert.deepEqual((await collect(empty, { sql: '' })).rows, []);
  assert.deepEqual(await describeOf(empty)({ sql: '' }), []);
  await empty.close();
});

test('abort stops reading the file', async () => {
  const lines = ['n'];
  for (let i = 1; i <= 9000; i++) lines.push(String(i));
  const source = await openSource(`csv:${csvFile('abort.csv', lines.join('\n'))}`);
  const controller = new AbortController();
  const cursor = await source.query({ sql: '', signal: controller.signal });
  const iterator = cursor.batches()[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).value?.length, BATCH_ROWS);
  controller.abort('stop');
  await assert.rejects(iterator.next(), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED') && error.cause === 'stop');
  await source.close();
});

test('bad URLs: missing file, malformed types, a types column the header lacks', async () => {
  await assert.rejects(openSource(`csv:${join(dir, 'missing.csv')}`), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FOUND'));
  const path = csvFile('ok.csv', 'a,b\n1,2\n');
  for (const spec of ['a', 'a:float', ':integer', 'a:integer,,b:text']) {
    await assert.rejects(openSource(`csv:${path}?types=${spec}`), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_URL') && error.exitCode === 2, spec);
  }
  const source = await openSource(`csv:${path}?types=c:integer`);
  await assert.rejects(source.query({ sql: '' }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_CSV') && /types= names column "c"/.test(error.message));
  await assert.rejects(describeOf(source)({ sql: '' }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_CSV') && /line 1: types= names column "c"/.test(error.message));
  await source.close();
});
