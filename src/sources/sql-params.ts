/**
 * `:name` query parameters, for every source. A scanner walks the SQL once and finds `:name`
 * only in code: never inside string literals ('…' with '' escapes, PostgreSQL E'…' and $tag$…$tag$,
 * MySQL "…" and backslash escapes), quoted identifiers ("…", `…`, SQLite […]), comments
 * (-- …, MySQL # …, /* … *\/, nested in PostgreSQL) or a PostgreSQL `::` cast (`g::text` stays).
 * Each parameter becomes the driver's placeholder (`$1…$n` for PostgreSQL, `?` for MySQL and
 * SQLite) and its value goes to the driver's bind array: values are never spliced into the SQL.
 *
 * @example
 *   bindParams('select * from t where id = :id and note <> \':id\'', { id: 7 }, 'postgres')
 *   // -> { sql: "select * from t where id = $1 and note <> ':id'", values: [7] }
 */
import { SheetpipeError } from '../errors.js';

export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/** A `:name` parameter in the SQL; `start`/`end` delimit `:name` (end exclusive). */
export interface ParamRef {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export interface BoundQuery {
  /** The SQL with driver placeholders. */
  readonly sql: string;
  /** Values in placeholder order. */
  readonly values: unknown[];
}

interface Scan {
  readonly params: ParamRef[];
  /** First driver-native placeholder (`?`, `$1`) written in the SQL, which `:name` replaces. */
  positional?: string;
}

const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);
/** Characters that may precede `$` or `'` inside one PostgreSQL word (`a$b`, `name'` is not E'…'). */
const isWordChar = (c: number): boolean => isIdentPart(c) || c === 36 || c >= 128;

/** Index after a quoted run starting at `start`; a doubled quote is an escape, `\` too when `backslash`. */
function skipQuoted(sql: string, start: number, quote: number, backslash: boolean): number {
  for (let i = start + 1; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (backslash && c === 92) i++;
    else if (c === quote) {
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i++;
    }
  }
  return sql.length;
}

function skipLine(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end < 0 ? sql.length : end + 1;
}

/** Index after a block comment starting at `start` (PostgreSQL nests them). */
function skipBlockComment(sql: string, start: number, nested: boolean): number {
  let depth = 0;
  for (let i = start; i < sql.length - 1; i++) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    if (c === 47 && next === 42 && (nested || depth === 0)) {
      depth++;
      i++;
    } else if (c === 42 && next === 47) {
      if (--depth === 0) return i + 2;
      i++;
    }
  }
  return sql.length;
}

/** At a PostgreSQL `$`: the index after a `$tag$…$tag$` string, or -1 when this `$` opens none. */
function skipDollarQuoted(sql: string, start: number): number {
  let i = start + 1;
  if (i < sql.length && isIdentStart(sql.charCodeAt(i))) {
    while (i < sql.length && isWordChar(sql.charCodeAt(i)) && sql.charCodeAt(i) !== 36) i++;
  }
  if (sql.charCodeAt(i) !== 36) return -1;
  const tag = sql.slice(start, i + 1);
  const close = sql.indexOf(tag, i + 1);
  return close < 0 ? sql.length : close + tag.length;
}

/** MySQL needs whitespace or a control character after `--` for a comment (`1--1` is 1 - -1). */
function startsMysqlLineComment(sql: string, i: number): boolean {
  const after = sql.charCodeAt(i + 2);
  return Number.isNaN(after) || after <= 32;
}

function scan(sql: string, dialect: SqlDialect): Scan {
  const result: Scan = { params: [] };
  const pg = dialect === 'postgres';
  let i = 0;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    if (c === 39) {
      const prefix = sql.charCodeAt(i - 1);
      const escapeString = pg && (prefix === 69 || prefix === 101) && !isWordChar(sql.charCodeAt(i - 2));
      i = skipQuoted(sql, i, 39, dialect === 'mysql' || escapeString);
    } else if (c === 34) {
      i = skipQuoted(sql, i, 34, dialect === 'mysql');
    } else if (c === 96 && !pg) {
      i = skipQuoted(sql, i, 96, false);
    } else if (c === 91 && dialect === 'sqlite') {
      const end = sql.indexOf(']', i + 1);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === 45 && next === 45 && (dialect !== 'mysql' || startsMysqlLineComment(sql, i))) {
      i = skipLine(sql, i + 2);
    } else if (c === 35 && dialect === 'mysql') {
      i = skipLine(sql, i + 1);
    } else if (c === 47 && next === 42) {
      i = skipBlockComment(sql, i, pg);
    } else if (c === 36 && pg && !isWordChar(sql.charCodeAt(i - 1))) {
      if (next >= 48 && next <= 57) {
        let end = i + 1;
        while (end < sql.length && sql.charCodeAt(end) >= 48 && sql.charCodeAt(end) <= 57) end++;
        result.positional ??= sql.slice(i, end);
        i = end;
      } else {
        const end = skipDollarQuoted(sql, i);
        i = end < 0 ? i + 1 : end;
      }
    } else if (c === 63 && !pg) {
      result.positional ??= '?';
      i++;
    } else if (c === 58 && next === 58) {
      i += 2; // a `::` cast, never a parameter
    } else if (c === 58 && isIdentStart(next)) {
      let end = i + 2;
      while (end < sql.length && isIdentPart(sql.charCodeAt(end))) end++;
      result.params.push({ name: sql.slice(i + 1, end), start: i, end });
      i = end;
    } else {
      i++;
    }
  }
  return result;
}

/** The `:name` parameters of `sql`, in order of appearance (repeats included). */
export function findParams(sql: string, dialect: SqlDialect): ParamRef[] {
  return scan(sql, dialect).params;
}

/** Values in the form each driver binds without guessing a time zone. */
function bindValue(value: unknown, dialect: SqlDialect): unknown {
  if (typeof value === 'bigint') return dialect === 'sqlite' ? value : value.toString();
  if (typeof value === 'boolean' && dialect === 'sqlite') return value ? 1 : 0;
  if (value instanceof Date) {
    // A Date's UTC fields are its wall time (the engine's rule); drivers would otherwise use the process zone.
    const iso = value.toISOString();
    return dialect === 'mysql' ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso;
  }
  return value;
}

/**
 * Replaces each `:name` by the driver's placeholder and collects the values.
 * Throws SHEETPIPE_ERR_SOURCE_PARAM for a parameter without a value, or for a driver-native
 * placeholder (`?`, `$1`) written in the SQL. Parameters not used by the SQL are ignored.
 */
export function bindParams(sql: string, params: Readonly<Record<string, unknown>> = {}, dialect: SqlDialect): BoundQuery {
  const { params: refs, positional } = scan(sql, dialect);
  if (positional !== undefined) {
    throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_PARAM', [positional, 'positional placeholders are not supported; write :name and pass the value by name']);
  }
  if (refs.length === 0) return { sql, values: [] };
  const values: unknown[] = [];
  const numbers = new Map<string, number>();
  const parts: string[] = [];
  let last = 0;
  for (const ref of refs) {
    const value = Object.hasOwn(params, ref.name) ? params[ref.name] : undefined;
    if (value === undefined) {
      throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_PARAM', [`:${ref.name}`, 'the query uses it but no value was given'], { details: { param: ref.name } });
    }
    parts.push(sql.slice(last, ref.start));
    if (dialect === 'postgres') {
      let number = numbers.get(ref.name);
      if (number === undefined) {
        values.push(bindValue(value, dialect));
        number = values.length;
        numbers.set(ref.name, number);
      }
      parts.push(`$${number}`);
    } else {
      values.push(bindValue(value, dialect));
      parts.push('?');
    }
    last = ref.end;
  }
  parts.push(sql.slice(last));
  return { sql: parts.join(''), values };
}
