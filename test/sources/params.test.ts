import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSheetpipeError } from '../../src/errors.js';
import { openSource } from '../../src/sources/index.js';
import { bindParams, findParams, type SqlDialect } from '../../src/sources/sql-params.js';
import { collect, MYSQL_URL, PG_URL, tempDir } from './helpers.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';

const cases: Array<{ dialect: SqlDialect; sql: string; params: Record<string, unknown>; sqlOut: string; values: unknown[] }> = [
  { dialect: 'postgres', sql: 'select :a, :b, :a', params: { a: 1, b: 'x' }, sqlOut: 'select $1, $2, $1', values: [1, 'x'] },
  { dialect: 'mysql', sql: 'select :a, :b, :a', params: { a: 1, b: 'x' }, sqlOut: 'select ?, ?, ?', values: [1, 'x', 1] },
  { dialect: 'sqlite', sql: 'select :a, :b, :a', params: { a: 1, b: 'x' }, sqlOut: 'select ?, ?, ?', values: [1, 'x', 1] },
  { dialect: 'postgres', sql: "select g::text, ':a', 'it''s :a', :a", params: { a: 1 }, sqlOut: "select g::text, ':a', 'it''s :a', $1", values: [1] },
  { dialect: 'postgres', sql: "select E'\\' :a', :b", params: { b: 2 }, sqlOut: "select E'\\' :a', $1", values: [2] },
  { dialect: 'postgres', sql: "select '\\' , :b", params: { b: 2 }, sqlOut: "select '\\' , $1", values: [2] },
  { dialect: 'postgres', sql: 'select "col:a", $$ :a $$, $tag$ :a $tag$, :b', params: { b: 2 }, sqlOut: 'select "col:a", $$ :a $$, $tag$ :a $tag$, $1', values: [2] },
  { dialect: 'postgres', sql: 'select 1 -- :a\n, :b /* :c /* nested :d */ :e */', params: { b: 2 }, sqlOut: 'select 1 -- :a\n, $1 /* :c /* nested :d */ :e */', values: [2] },
  { dialect: 'postgres', sql: 'select a$b, :x, f(a := 1), x:::y', params: { x: 1, y: 2 }, sqlOut: 'select a$b, $1, f(a := 1), x::$2', values: [1, 2] },
  { dialect: 'mysql', sql: "select 'a\\' :x', \"b :y\", `c :z`, :w # :v\n", params: { w: 1 }, sqlOut: "select 'a\\' :x', \"b :y\", `c :z`, ? # :v\n", values: [1] },
  { dialect: 'mysql', sql: 'select 1--:a\n', params: { a: 5 }, sqlOut: 'select 1--?\n', values: [5] },
  { dialect: 'mysql', sql: 'select 1 -- :a\n, :b', params: { b: 5 }, sqlOut: 'select 1 -- :a\n, ?', values: [5] },
  { dialect: 'mysql', sql: 'select /* :a /* :b */ :c', params: { c: 1 }, sqlOut: 'select /* :a /* :b */ ?', values: [1] },
  { dialect: 'sqlite', sql: 'select [x:y], `a:b`, :c', params: { c: 1 }, sqlOut: 'select [x:y], `a:b`, ?', values: [1] },
  { dialect: 'postgres', sql: 'select data ? :key', params: { key: 'k' }, sqlOut: 'select data ? $1', values: ['k'] },
  { dialect: 'postgres', sql: "select 'unterminated :a", params: {}, sqlOut: "select 'unterminated :a", values: [] },
];

test('bindParams translates :name outside literals, comments and casts', () => {
  for (const c of cases) {
    const bound = bindParams(c.sql, c.params, c.dialect);
    assert.deepEqual(bound, { sql: c.sqlOut, values: c.values }, `${c.dialect}: ${c.sql}`);
  }
});

test('bindParams: values in driver form, extra params ignored', () => {
  const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
  assert.deepEqual(bindParams('select :d, :b, :n', { d: date, b: true, n: 12345678901234567890n, unused: 1 }, 'sqlite').values, ['2024-01-02T03:04:05.006Z', 1, 12345678901234567890n]);
  assert.deepEqual(bindParams('select :d, :n', { d: date, n: 5n }, 'mysql').values, ['2024-01-02 03:04:05.006', '5']);
  assert.deepEqual(bindParams('select :d, :b', { d: date, b: false }, 'postgres').values, ['2024-01-02T03:04:05.006Z', false]);
  assert.deepEqual(bindParams('select :n', { n: null }, 'postgres').values, [null]);
});

test('a parameter without a value, or a native placeholder, is SHEETPIPE_ERR_SOURCE_PARAM naming it', () => {
  assert.throws(() => bindParams('select :id, :missing', { id: 1 }, 'postgres'), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_PARAM'));
    assert.match(error.message, /:missing/);
    assert.equal(error.exitCode, 2);
    return true;
  });
  assert.throws(() => bindParams('select :u', { u: undefined }, 'mysql'), /:u/);
  assert.throws(() => bindParams('select ?', {}, 'mysql'), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_PARAM') && /write :name/.test(error.message));
  assert.throws(() => bindParams('select $1', {}, 'postgres'), /\$1/);
  assert.deepEqual(bindParams("select '?', $$?$$", {}, 'postgres'), { sql: "select '?', $$?$$", values: [] });
});

/** SQL made of fragments whose translation is known piece by piece. */
type Fragment = { text: string; out: (n: () => string) => string; param?: string };
const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/);
const noise = fc.string({ unit: fc.constantFrom('a', 'b', ':', ' ', 'x', '1', '?', '$', '-', '/', '*', '\n', '"', '`', '\\'), maxLength: 12 });
function fragments(dialect: SqlDialect): fc.Arbitrary<Fragment[]> {
  const same = (text: string): Fragment => ({ text, out: () => text });
  const quotedBy = (quote: string) => noise.map((body) => same(`${quote}${body.replaceAll('\\', '').replaceAll(quote, quote + quote)}${quote}`));
  const fragment = fc.oneof(
    name.map((n): Fragment => ({ text: `:${n}`, out: (next) => next(), param: n })),
    name.map((n) => same(`x::${n}`)),
    quotedBy("'"),
    dialect === 'postgres' ? quotedBy('"') : quotedBy('`'),
    noise.map((body) => same(`-- ${body.replaceAll('\n', ' ')}\n`)),
    noise.map((body) => same(`/* ${body.replaceAll('*', '').replaceAll('/', '')} */`)),
    fc.stringMatching(/^[a-z0-9 ,()=<>+]{1,8}$/).map(same),
  );
  return fc.array(fragment, { maxLength: 12 });
}

for (const dialect of ['postgres', 'mysql', 'sqlite'] as const) {
  test(`property (${dialect}): only the :name fragments change, each bound to its value`, () => {
    fc.assert(
      fc.property(fragments(dialect), (parts) => {
        const sql = parts.map((p) => p.text).join(' ');
        const params = Object.fromEntries(parts.filter((p) => p.param).map((p) => [p.param, `v_${p.param}`]));
        const numbers = new Map<string, number>();
        const expectedValues: unknown[] = [];
        const expectedSql = parts
          .map((p) =>
            p.out(() => {
              const param = p.param as string;
              if (dialect !== 'postgres') {
                expectedValues.push(params[param]);
                return '?';
              }
              if (!numbers.has(param)) {
                expectedValues.push(params[param]);
                numbers.set(param, expectedValues.length);
              }
              return `$${numbers.get(param)}`;
            }),
          )
          .join(' ');
        assert.deepEqual(bindParams(sql, params, dialect), { sql: expectedSql, values: expectedValues });
        assert.deepEqual(findParams(sql, dialect).map((ref) => ref.name), parts.filter((p) => p.param).map((p) => p.param));
      }),
      { numRuns: 400, interruptAfterTimeLimit: 4000 },
    );
  });
}

test('property: arbitrary text never crashes the scanner; every found :name is bound', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.constantFrom<SqlDialect>('postgres', 'mysql', 'sqlite'), (sql, dialect) => {
      const refs = findParams(sql, dialect);
      const params = Object.fromEntries(refs.map((ref) => [ref.name, 1]));
      for (const ref of refs) assert.equal(sql.slice(ref.start, ref.end), `:${ref.name}`);
      try {
        const bound = bindParams(sql, params, dialect);
        assert.equal(bound.values.length, dialect === 'postgres' ? new Set(refs.map((r) => r.name)).size : refs.length);
      } catch (error) {
        assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_PARAM'), String(error)); // only a native placeholder
      }
    }),
    { numRuns: 1000, interruptAfterTimeLimit: 3000 },
  );
});

const tricky = { sql: "select ':a' as lit, :a as p, 'it''s' as q", params: { a: "x'); drop table t; --" } };

test('postgres binds the value; literals with :name stay literal', async () => {
  const source = await openSource(PG_URL);
  try {
    const { rows } = await collect(source, { sql: `${tricky.sql}, $$ :a $$ as d, 7::text as c`, params: tricky.params });
    assert.deepEqual(rows, [[':a', tricky.params.a, "it's", ' :a ', '7']]);
  } finally {
    await source.close();
  }
});

test('mariadb binds the value; literals with :name stay literal', async () => {
  const source = await openSource(MYSQL_URL);
  try {
    const { rows } = await collect(source, { sql: `${tricky.sql}, "b :a" as d`, params: tricky.params });
    assert.deepEqual(rows, [[':a', tricky.params.a, "it's", 'b :a']]);
  } finally {
    await source.close();
  }
});

test('sqlite binds the value; literals with :name stay literal', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'p.db');
    new Database(path).close();
    const source = await openSource(`sqlite:${path}`);
    const { rows } = await collect(source, { sql: `${tricky.sql}, [x:y] as d from (select 1 as [x:y])`, params: tricky.params });
    await source.close();
    assert.deepEqual(rows, [[':a', tricky.params.a, "it's", 1]]);
  } finally {
    cleanup();
  }
});
