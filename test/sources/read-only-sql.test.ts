/** The lexical read-only check: what it lets through, what it refuses and why, per dialect. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSheetpipeError } from '../../src/errors.js';
import { assertReadOnlySql, readOnlyProblem } from '../../src/sources/read-only-sql.js';
import { LexRefusal, lexSql } from '../../src/sources/sql-lexer.js';
import { bindParams } from '../../src/sources/sql-params.js';
import { tableQuery, withComment } from '../../src/sources/statement.js';
import type { SqlDialect } from '../../src/sources/sql-params.js';

const ALL: readonly SqlDialect[] = ['postgres', 'mysql', 'sqlite'];

function passes(sql: string, dialects: readonly SqlDialect[] = ALL): void {
  for (const dialect of dialects) assert.equal(readOnlyProblem(sql, dialect), undefined, `${dialect} should accept: ${sql}`);
}

function refused(sql: string, dialects: readonly SqlDialect[], reason: RegExp): void {
  for (const dialect of dialects) {
    const problem = readOnlyProblem(sql, dialect);
    assert.ok(problem !== undefined, `${dialect} should refuse: ${JSON.stringify(sql)}`);
    assert.match(problem, reason, `${dialect}: ${JSON.stringify(sql)}`);
  }
}

test('lexer: strings, quoted identifiers, comments and dollar quotes are not code', () => {
  const words = (sql: string, dialect: SqlDialect, backslashEscapes = false): string[] =>
    lexSql(sql, { dialect, backslashEscapes }).flatMap((token) => (token.kind === 'word' ? [token.text] : token.kind === 'quoted' ? [`"${token.text}"`] : []));
  assert.deepEqual(words("select 'drop' /* delete */ -- update\n, \"in\"\"to\" from t", 'postgres'), ['SELECT', '"in"to"', 'FROM', 'T']);
  assert.deepEqual(words('select $q$ delete $x$ $q$, $1, a$b from t', 'postgres'), ['SELECT', 'A$B', 'FROM', 'T']);
  assert.deepEqual(words('select /* a /* nested */ delete */ 1', 'postgres'), ['SELECT']);
  assert.deepEqual(words("select E'\\' delete', 1", 'postgres'), ['SELECT', 'E']);
  assert.deepEqual(words('select `x` # into\n from [y]', 'mysql'), ['SELECT', '"x"', 'FROM', 'Y']); // MySQL has no [identifiers]: [ and ] are punctuation
  assert.deepEqual(words('select [into], `update` from t', 'sqlite'), ['SELECT', '"into"', '"update"', 'FROM', 'T']);
  assert.deepEqual(words("select 'a\\' into", 'mysql', false), ['SELECT', 'INTO']);
  assert.throws(() => lexSql("select 'a\\' into", { dialect: 'mysql', backslashEscapes: true }), LexRefusal); // unterminated that way
});

test('legit read queries pass in every dialect, including the comment the service prepends', () => {
  passes('select 1');
  passes('SELECT * FROM t WHERE a = ? ;');
  passes('with x as (select 1 as a) select a from x');
  passes('values (1, 2), (3, 4)');
  passes('(select 1) union (select 2)');
  passes('-- a comment first\nselect 1');
  passes('/* leading */ select 1 /* trailing */');
  passes("select 'it''s', 'DELETE FROM t; DROP TABLE x' as text, \"update\" from t");
  passes("select 'größe ＤＥＬＥＴＥ \u00a0' as \"größe\"");
  passes(withComment('select 1', "traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',color='canary'"));
  passes(withComment('select 1', '!drop table t */ delete'));
  passes(withComment('select 1', 'M!into outfile'));
  passes('select substring(a from 1 for 2), 1.5e3, 0x1F, .5 from t');
  passes('table t', ['postgres', 'mysql']);
  passes("select x::int, $1, E'\\n', $tag$it's$tag$ from t", ['postgres']);
  passes("select 'a''b', 'C:\\\\dir\\n' as c, \"q\" from t # note\n", ['mysql']);
  for (const dialect of ALL) passes(tableQuery(dialect, 'sales.orders'), [dialect]);
  for (const dialect of ALL) passes(bindParams('select * from t where a = :a and b = \':b\'', { a: 1 }, dialect).sql, [dialect]);
});

test('anything but a read verb is refused', () => {
  for (const sql of ['drop table t', 'truncate t', 'alter table t add column c int', 'delete from t', 'insert into t values (1)',
    'update t set a = 1', 'commit', 'begin', 'set role admin', 'explain analyze select 1', 'call p()', 'do $$ begin end $$',
    'copy (select 1) to program \'id\'', 'lock table t', 'listen x', 'notify x', 'load data infile \'/etc/passwd\' into table t',
    'handler t open', 'attach database \'/tmp/x.db\' as x', 'pragma journal_mode = wal', 'replace into t values (1)', 'show grants',
    '/* select */ drop table t', '-- select\ndrop table t', '(drop table t)']) {
    refused(sql, ALL, /is not a read query|\$ that|not a comment|contains/);
  }
  refused('table t', ['sqlite'], /is not a read query/);
  refused('', ALL, /no statement/);
  refused('  ;  ', ALL, /no statement/);
});

test('more than one statement is refused, a trailing semicolon is not', () => {
  refused('select 1; drop table t', ALL, /more than one statement/);
  refused('select 1;;select 2', ALL, /more than one statement/);
  passes('select 1;;');
});

test('writes, locks and file output inside a read verb are refused', () => {
  refused('with d as (delete from t returning *) select * from d', ALL, /DELETE/);
  refused('with u as (update t set a = 1 returning a) select 1', ALL, /UPDATE/);
  refused('with m as (insert into t values (1) returning a) select 1', ALL, /INSERT/);
  refused('select * from t for update', ALL, /UPDATE/);
  refused('select * from t for share', ['postgres', 'mysql'], /locks rows/);
  refused('select * from t for key share', ['postgres'], /locks rows/);
  refused('select * from t lock in share mode', ['mysql'], /LOCK/);
  refused("select 'x' into outfile '/tmp/f'", ['mysql'], /INTO/);
  refused("select 'x' into dumpfile '/tmp/f'", ['mysql'], /INTO/);
  refused('select 1 into @v', ['mysql'], /INTO/);
  refused('select * into newtable from t', ['postgres'], /INTO/);
  refused("select 'x' from t into outfile '/tmp/f'", ['mysql'], /INTO/);
});

test('server functions that reach files, programs or other sessions are refused, quoted or not', () => {
  refused("select pg_read_file('/etc/hostname')", ['postgres'], /pg_read_file/);
  refused("select pg_catalog.\"pg_read_file\"('/etc/hostname')", ['postgres'], /pg_read_file/);
  refused("select PG_READ_BINARY_FILE('/etc/hostname')", ['postgres'], /pg_read_binary_file/);
  refused("select lo_export(1, '/tmp/f')", ['postgres'], /lo_export/);
  refused("select dblink_exec('dbname=test', 'drop table t')", ['postgres'], /dblink_exec/);
  refused("select query_to_xml('select 1', true, false, '')", ['postgres'], /query_to_xml/);
  refused("select pg_ls_dir('.')", ['postgres'], /pg_ls_dir/);
  refused("select set_config('default_transaction_read_only', 'off', false)", ['postgres'], /set_config/);
  refused("select load_file('/etc/passwd')", ['mysql'], /load_file/);
  refused("select load_extension('x')", ['sqlite'], /load_extension/);
});

test('comment and quoting tricks are refused where servers could read them another way', () => {
  refused("select 1 /*!50000 into outfile '/tmp/f' */", ['mysql'], /executable comments/);
  refused("/*!drop table t*/ select 1", ['mysql'], /executable comments/);
  refused("select /*M!100000 1 into outfile '/tmp/f' */ 1", ['mysql'], /executable comments/);
  refused("select /*m!100000 1 into outfile '/tmp/f' */ 1", ['mysql'], /executable comments/);
  refused('select /*+ SET_VAR(sql_mode=\'\') */ 1', ['mysql'], /optimizer hints/);
  refused('select 1--1', ['mysql'], /not a comment/);
  refused('select 1 /* not closed', ALL, /not closed/);
  refused("select 'not closed", ALL, /not closed/);
  refused('select $a$ not closed', ['postgres'], /not closed/);
  refused('select $abc', ['postgres'], /\$ that/);
  refused("select U&'\\0064rop'", ['postgres'], /U&/);
  refused('select U&"\\0070g_read_file"(\'/etc/hostname\')', ['postgres'], /U&/);
  refused('select 1into outfile', ALL, /number is directly followed/);
  // A backslash escapes or not depending on server settings: each reading is checked.
  refused("select 'a\\' into outfile '/tmp/f' -- '", ['mysql'], /INTO|not closed|backslash/);
  refused("select 'a\\', ' into outfile '/tmp/f' -- '", ['mysql'], /INTO|not closed|backslash/);
  refused("select 'a\\' , pg_read_file('/etc/hostname') -- '", ['postgres'], /backslash/);
  refused("select 'it\\'s' as c", ['mysql'], /backslash/); // legit, but read two ways: write 'it''s'
});

test('unicode tricks are refused: fullwidth letters, homoglyphs, zero-width and invisible characters', () => {
  refused('ｓｅｌｅｃｔ 1', ALL, /non-ASCII/);
  refused('ＤＲＯＰ TABLE t', ALL, /non-ASCII/);
  refused('select 1 from t ｆｏｒ ｕｐｄａｔｅ', ALL, /non-ASCII/);
  refused('sеlect 1', ALL, /non-ASCII/); // Cyrillic е
  refused('with d as (dеlete from t returning *) select 1', ALL, /non-ASCII/);
  refused('select\u00a01', ALL, /non-ASCII/); // no-break space
  refused('dr\u200bop table t', ALL, /invisible/);
  refused('select 1; \u200bdrop table t', ALL, /invisible/);
  refused("select '\u202e' from t", ALL, /invisible/); // bidi override, even inside a string
  refused('\ufeffselect 1', ALL, /invisible/);
  refused('select 1 # x\rinto outfile \'/tmp/f\'', ['mysql'], /invisible/); // a lone CR ends a comment for some lexers only
  refused('select 1 -- x\u2028delete', ALL, /invisible/);
  refused('select 1 \u0000', ALL, /invisible/);
});

test('assertReadOnlySql throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY (HTTP 400, exit 2) naming the reason', () => {
  assert.throws(() => assertReadOnlySql('drop table t', 'postgres'), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'));
    assert.equal(error.status, 400);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /"DROP" is not a read query/);
    return true;
  });
  assert.doesNotThrow(() => assertReadOnlySql('select 1', 'postgres'));
});

test('property: whatever surrounds a write verb (comments, whitespace, parentheses), it is refused', () => {
  const filler = fc.constantFrom(' ', '\n', '\t', '/* c */', '/* select */', '-- select\n', '(', '/* /* */ */');
  const verbs = fc.constantFrom('drop table t', 'delete from t', 'truncate t', 'commit', 'copy t to \'/tmp/f\'', 'set role x', 'load data infile \'f\' into table t');
  fc.assert(
    fc.property(fc.array(filler, { maxLength: 6 }), verbs, fc.constantFrom<SqlDialect>('postgres', 'mysql', 'sqlite'), (prefix, verb, dialect) => {
      assert.notEqual(readOnlyProblem(`${prefix.join('')}${verb}`, dialect), undefined);
    }),
    { numRuns: 2000 },
  );
});

test('property: any text inside a string literal (quotes doubled, no backslash or invisible characters) never changes the verdict', () => {
  const text = fc.string({ unit: fc.oneof(fc.constantFrom("'", '"', '`', '-', '#', '/', '*', ';', '$', '\n', ' ', 'x'), fc.string({ unit: 'grapheme', maxLength: 1 })) })
    .filter((value) => !value.includes('\\') && !/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u.test(value.replace(/\n/g, '')));
  fc.assert(
    fc.property(text, fc.constantFrom<SqlDialect>('postgres', 'mysql', 'sqlite'), (value, dialect) => {
      const literal = `'${value.replace(/'/g, "''")}'`;
      assert.equal(readOnlyProblem(`select ${literal} as x from t`, dialect), undefined, literal);
      assert.notEqual(readOnlyProblem(`select ${literal} as x from t; drop table t`, dialect), undefined, literal);
    }),
    { numRuns: 2000 },
  );
});
