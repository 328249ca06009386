import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSheetpipeError } from '../../src/errors.js';
import { decimalTextCell, float32Cell, integerCell, integerTextCell, mapBatch, NotFiniteValue, floatTextCell } from '../../src/sources/convert.js';
import { dateTimeCell, parseDateTime, parseTimeOfDay, timeCell, utcInstantCell } from '../../src/sources/datetime.js';
import { pgArrayToJson } from '../../src/sources/pg-array.js';
import { tableQuery, withComment } from '../../src/sources/statement.js';
import { wallClockMapper } from '../../src/xlsx/timezone.js';
import { inferredCell } from '../../src/sources/csv-types.js';
import { timeOfDay, utc } from './helpers.js';

test('integers: numbers up to ±(2^53 − 1), exact text beyond', () => {
  assert.equal(integerTextCell('9007199254740991'), 9007199254740991);
  assert.equal(integerTextCell('-9007199254740991'), -9007199254740991);
  assert.equal(integerTextCell('9007199254740992'), '9007199254740992');
  assert.equal(integerTextCell('-9223372036854775808'), '-9223372036854775808');
  assert.equal(integerCell(9007199254740992), '9007199254740992');
  assert.equal(integerCell(2n ** 63n - 1n), '9223372036854775807');
  assert.equal(integerCell(-42n), -42);
  assert.equal(integerCell('18446744073709551615'), '18446744073709551615');
});

test('decimals: a number when the value round-trips through a double, else the exact text', () => {
  const expected: Array<[string, number | string]> = [
    ['0.1000000000', 0.1],
    ['123.450', 123.45],
    ['-0.00', 0],
    ['100', 100],
    ['1e21', 1e21],
    ['0.30000000000000004', 0.30000000000000004],
    ['0.3000000000000000444', '0.3000000000000000444'],
    ['12345678901234567890.5', '12345678901234567890.5'],
    ['12345678901234567890', '12345678901234567890'],
    ['99999999999999999999999999999999999999.99', '99999999999999999999999999999999999999.99'],
    ['1e400', '1e400'],
    ['1e-400', '1e-400'],
    ['0.000001', 0.000001],
    ['9007199254740993', '9007199254740993'],
  ];
  for (const [text, cell] of expected) assert.equal(decimalTextCell(text), cell, text);
  assert.ok(Object.is(decimalTextCell('-0.00'), 0));
  for (const text of ['NaN', 'Infinity', '-Infinity']) assert.throws(() => decimalTextCell(text), NotFiniteValue);
});

test('property: decimal text of any double comes back as that double; longer digits are never rounded', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
      assert.equal(decimalTextCell(String(n)), n === 0 ? 0 : n);
    }),
    { numRuns: 2000, interruptAfterTimeLimit: 2000 },
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[1-9]\d{17,30}\.\d{1,5}[1-9]$/), (text) => {
      assert.equal(decimalTextCell(text), text); // 19+ significant digits cannot survive a double
    }),
    { numRuns: 500, interruptAfterTimeLimit: 2000 },
  );
});

test('floats: NaN and infinities are refused; float32 shows its shortest digits', () => {
  assert.equal(floatTextCell('1.5'), 1.5);
  assert.throws(() => floatTextCell('NaN'), NotFiniteValue);
  assert.throws(() => floatTextCell('-Infinity'), NotFiniteValue);
  assert.equal(float32Cell(Math.fround(1.1)), 1.1);
  assert.equal(float32Cell(Math.fround(3.4028234663852886e38)), 3.4028235e38);
  assert.equal(float32Cell(0.5), 0.5);
});

test('mapBatch converts in place and names row and column of a non-finite value', () => {
  const rows = [['1', 'a'], [null, 'b'], ['NaN', 'c']];
  assert.throws(
    () => mapBatch(rows, [floatTextCell, (v: string) => v], ['price', 'name'], 101),
    (error: unknown) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FINITE'));
      assert.match(error.message, /row 103, column "price": the database returned NaN/);
      assert.equal(error.exitCode, 1);
      return true;
    },
  );
  const ok = [['1', 'a'], [null, 'b']];
  const mapped = mapBatch(ok, [floatTextCell, (v: string) => v], ['price', 'name'], 1);
  assert.equal(mapped, ok);
  assert.deepEqual(mapped, [[1, 'a'], [null, 'b']]);
});

test('date and time text parses to wall-clock UTC fields, never through the process zone', () => {
  assert.equal(parseDateTime('2024-03-10'), utc('2024-03-10T00:00:00'));
  assert.equal(parseDateTime('2024-03-10 02:30:00'), utc('2024-03-10T02:30:00'));
  assert.equal(parseDateTime('2024-03-10T02:30:00.123456'), utc('2024-03-10T02:30:00.123'));
  assert.equal(parseDateTime('2024-03-10 02:30'), utc('2024-03-10T02:30:00'));
  assert.equal(parseDateTime('0005-01-01'), new Date('0005-01-01T00:00:00Z').getTime());
  assert.equal(parseDateTime('12345-01-01'), new Date('+012345-01-01T00:00:00Z').getTime());
  assert.equal(parseDateTime('2024-02-29'), utc('2024-02-29T00:00:00'));
  for (const bad of ['2023-02-29', '2024-13-01', '0000-00-00', '2024-01-01 BC', 'infinity', 'yesterday', '2024-01-01 25:00:00', '2024-01-01T10:00:00+5']) {
    assert.ok(Number.isNaN(parseDateTime(bad)), bad);
  }
  // An offset makes it an instant, mapped to the display zone.
  const berlin = wallClockMapper('Europe/Berlin');
  assert.equal(parseDateTime('2024-07-01 12:00:00+00', berlin), utc('2024-07-01T14:00:00'));
  assert.equal(parseDateTime('2024-07-01T12:00:00Z', berlin), utc('2024-07-01T14:00:00'));
  assert.equal(parseDateTime('2024-07-01T12:00:00+05:30'), utc('2024-07-01T06:30:00'));
  assert.equal(parseDateTime('2024-07-01T12:00:00-0300'), utc('2024-07-01T15:00:00'));
  assert.equal(parseTimeOfDay('23:59:59.999'), 86_399_999);
  assert.ok(Number.isNaN(parseTimeOfDay('24:00:00')));
  assert.ok(Number.isNaN(parseTimeOfDay('-01:00:00')));
  assert.ok(Number.isNaN(parseTimeOfDay('100:00:00')));
});

test('date cells: unparseable text stays exact text, infinity is refused', () => {
  const cell = dateTimeCell();
  assert.equal((cell('2024-01-02') as Date).getTime(), utc('2024-01-02T00:00:00'));
  assert.equal(cell('0044-03-15 BC'), '0044-03-15 BC');
  assert.equal(cell('0000-00-00'), '0000-00-00');
  assert.throws(() => cell('infinity'), NotFiniteValue);
  assert.throws(() => cell('-infinity'), NotFiniteValue);
  assert.equal((timeCell('13:45:00.5') as Date).getTime(), timeOfDay('13:45:00.500'));
  assert.equal(timeCell('-838:59:59'), '-838:59:59');
  const tokyo = utcInstantCell(wallClockMapper('Asia/Tokyo'));
  assert.equal((tokyo('2024-01-01 00:00:00') as Date).getTime(), utc('2024-01-01T09:00:00'));
});

test('postgres array literals become JSON array text, digits intact', () => {
  assert.equal(pgArrayToJson('{1,2,NULL}', 'number'), '[1,2,null]');
  assert.equal(pgArrayToJson('{{1,2},{3,4}}', 'number'), '[[1,2],[3,4]]');
  assert.equal(pgArrayToJson('{12345678901234567890.12345,NaN}', 'number'), '[12345678901234567890.12345,"NaN"]');
  assert.equal(pgArrayToJson('{t,f,NULL}', 'boolean'), '[true,false,null]');
  assert.equal(pgArrayToJson('{"a\\"b","NULL",NULL,"",c d}', 'string'), '["a\\"b","NULL",null,"","c d"]');
  assert.equal(pgArrayToJson('{"{\\"a\\": 1}"}', 'json'), '[{"a": 1}]');
  assert.equal(pgArrayToJson('{"\\\\x00ff"}', 'bytea'), '["00ff"]');
  assert.equal(pgArrayToJson('[0:1]={x,y}', 'string'), '["x","y"]');
  assert.equal(pgArrayToJson('{}', 'string'), '[]');
});

test('csv inference: canonical numbers that survive a double are numbers, all else text', () => {
  assert.equal(inferredCell('42'), 42);
  assert.equal(inferredCell('-1.5e3'), -1500);
  assert.equal(inferredCell('007'), '007');
  assert.equal(inferredCell('+5'), '+5');
  assert.equal(inferredCell('.5'), '.5');
  assert.equal(inferredCell('12345678901234567890'), '12345678901234567890');
  assert.equal(inferredCell('NaN'), 'NaN');
  assert.equal(inferredCell('1,5'), '1,5');
});

test('tableQuery quotes per dialect and refuses anything but NAME or SCHEMA.NAME', () => {
  assert.equal(tableQuery('postgres', 'orders'), 'SELECT * FROM "orders"');
  assert.equal(tableQuery('postgres', 'sales.Orders'), 'SELECT * FROM "sales"."Orders"');
  assert.equal(tableQuery('mysql', 'test.orders'), 'SELECT * FROM `test`.`orders`');
  assert.equal(tableQuery('sqlite', 'größe_2024'), 'SELECT * FROM "größe_2024"');
  assert.equal(tableQuery('sqlite', '2024'), 'SELECT * FROM "2024"');
  for (const bad of ['', 'a.b.c', 'a-b', 'a b', 'x"; drop table y; --', 'a`b', '.a', 'a.']) {
    assert.throws(() => tableQuery('postgres', bad), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_TABLE') && error.exitCode === 2, bad);
  }
});

test('withComment prepends the sqlcommenter body and neutralises what could end or execute it', () => {
  assert.equal(withComment('select 1', "traceparent='00-ab-01',color='canary'"), "/*traceparent='00-ab-01',color='canary'*/ select 1");
  assert.equal(withComment('select 1', undefined), 'select 1');
  assert.equal(withComment('select 1', 'a*/ drop table t; /*'), '/*a*%2F drop table t; %2F**/ select 1');
  assert.equal(withComment('select 1', '!50000 drop'), '/*%2150000 drop*/ select 1');
  assert.equal(withComment('select 1', 'M!100000 x'), '/*M%21100000 x*/ select 1');
  assert.equal(withComment('select 1', '+ MAX_EXECUTION_TIME(1)'), '/*%2B MAX_EXECUTION_TIME(1)*/ select 1');
});
