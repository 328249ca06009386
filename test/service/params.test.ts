import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError } from '../../src/errors.js';
import type { ParamDeclaration, ReportConfig } from '../../src/service/config/types.js';
import { coerceParamValue, resolveReportParams, type Coerced } from '../../src/service/params.js';

const report = (params: Record<string, ParamDeclaration>): ReportConfig => ({ name: 'orders', source: 's', query: 'q', params: new Map(Object.entries(params)) });

function paramError(fn: () => unknown, name: string, problem: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_PARAM'), String(error));
    assert.equal(error.status, 400);
    assert.equal(error.details.param, name);
    assert.match(error.message, new RegExp(`^parameter ${name}: `));
    assert.match(error.message, problem);
    return true;
  });
}

test('query-string text is coerced by the declared type', () => {
  const value = (type: ParamDeclaration['type'], text: string): Coerced => coerceParamValue(type, text, 'query');
  assert.deepEqual(value('integer', '42'), { value: 42 });
  assert.deepEqual(value('integer', '-7'), { value: -7 });
  assert.deepEqual(value('number', '2.5e3'), { value: 2500 });
  assert.deepEqual(value('boolean', 'true'), { value: true });
  assert.deepEqual(value('boolean', '0'), { value: false });
  assert.deepEqual(value('string', '42'), { value: '42' });
  assert.deepEqual(value('date', '2024-02-29'), { value: '2024-02-29' });
  assert.deepEqual(value('datetime', '2024-02-29T13:45:30.123Z'), { value: '2024-02-29T13:45:30.123Z' });
  assert.deepEqual(value('datetime', '2024-02-29 13:45+02:00'), { value: '2024-02-29 13:45+02:00' });
  for (const [type, text] of [['integer', '4.5'], ['integer', '9007199254740993'], ['number', 'abc'], ['number', ''], ['boolean', 'yes'],
    ['date', '2023-02-29'], ['date', '2024-1-1'], ['datetime', '2024-01-01T25:00'], ['datetime', 'now']] as const) {
    assert.ok('problem' in value(type, text), `${type} ${text} must be refused`);
  }
});

test('JSON values must already have their type (no silent coercion from strings)', () => {
  assert.deepEqual(coerceParamValue('number', 5, 'json'), { value: 5 });
  assert.ok('problem' in coerceParamValue('number', '5', 'json'));
  assert.ok('problem' in coerceParamValue('boolean', 'true', 'json'));
  assert.ok('problem' in coerceParamValue('integer', Number.NaN, 'json'));
  assert.ok('problem' in coerceParamValue('string', 5, 'json'));
});

test('unknown, missing and ill-typed parameters are errors naming the parameter; defaults fill gaps', () => {
  const orders = report({ min: { type: 'number', default: 0 }, since: { type: 'date' } });
  assert.deepEqual(resolveReportParams(orders, { since: '2024-01-01' }, 'json'), { min: 0, since: '2024-01-01' });
  assert.deepEqual(resolveReportParams(orders, { min: '12.5', since: '2024-01-01' }, 'query'), { min: 12.5, since: '2024-01-01' });
  paramError(() => resolveReportParams(orders, { since: '2024-01-01', max: 3 }, 'json'), 'max', /report orders has no such parameter \(declared: min, since\)/);
  paramError(() => resolveReportParams(orders, {}, 'json'), 'since', /is required \(type date\)/);
  paramError(() => resolveReportParams(orders, { since: '2024-13-01' }, 'json'), 'since', /expected a date/);
  paramError(() => resolveReportParams(orders, { since: ['2024-01-01', '2024-01-02'] }, 'query'), 'since', /more than once/);
  paramError(() => resolveReportParams(report({}), { x: 1 }, 'json'), 'x', /declares none/);
});
