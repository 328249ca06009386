/**
 * The static half of "only row-returning queries run": before a query reaches a server, its text
 * must be one statement that starts with a read verb and names nothing that writes, locks, or
 * reaches outside the database. This is a tripwire in front of the real defences (the read-only
 * transaction, PostgreSQL's Describe in pg-describe.ts, SQLite's read-only handle, and above all a
 * SELECT-only role): docs/security-databases.md says what each one covers and what it does not.
 * When the text is unclear it refuses; a refused query can always be rewritten (quote an
 * identifier, drop a comment) and run.
 */
import { SheetpipeError } from '../errors.js';
import type { SqlDialect } from './sql-params.js';
import { LexRefusal, lexSql, type Token } from './sql-lexer.js';

/** Verbs a statement may start with (after any opening parentheses). */
const READ_VERBS: Readonly<Record<SqlDialect, ReadonlySet<string>>> = {
  postgres: new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']),
  mysql: new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']),
  sqlite: new Set(['SELECT', 'WITH', 'VALUES']),
};

/**
 * Words refused anywhere in code: data-modifying CTEs (WITH … DELETE … RETURNING), SELECT … INTO
 * (a new table in PostgreSQL; INTO OUTFILE/DUMPFILE/@var in MySQL) and row locks (FOR UPDATE,
 * LOCK IN SHARE MODE). A column really named like this can be quoted.
 */
const WRITE_WORDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'INTO', 'LOCK', 'TRUNCATE', 'DROP', 'ALTER', 'CREATE', 'GRANT', 'REVOKE']);

/**
 * Server functions that read or write server files, run programs, reach other servers, run SQL
 * given as text (which would hide any other name from this list), or act on other sessions.
 * Matched by name, quoted or not. Only a name list: a SELECT-only, non-superuser role is what
 * actually keeps them out of reach (`sheetpipe check` warns when the role is not one).
 */
const DANGEROUS_FUNCTIONS: Readonly<Record<SqlDialect, readonly RegExp[]>> = {
  postgres: [
    /^pg_read_(binary_)?file$/, /^pg_ls_/, /^pg_stat_file$/, /^lo_(export|import|from_bytea|put|create|creat|unlink|truncate|open|write)/,
    /^dblink/, /^pg_file_/, /^pg_logdir_ls$/, /^pg_(terminate|cancel)_backend$/, /^pg_reload_conf$/, /^pg_rotate_logfile/,
    /^pg_promote$/, /^pg_switch_wal$/, /^pg_create_/, /^pg_drop_replication_slot$/, /^pg_replication_/, /^pg_logical_/,
    /^pg_(start|stop)_backup$/, /^pg_backup_(start|stop)$/, /^pg_log_backend_memory_contexts$/, /^set_config$/, /^pg_notify$/,
    /^(query|cursor)_to_xml/, /^query_to_xmlschema$/, /^ts_stat$/, /^ts_rewrite$/, /^pg_import_system_collations$/, /^pg_stat_reset/,
  ],
  mysql: [/^load_file$/, /^sys_(exec|eval)$/],
  sqlite: [/^load_extension$/, /^(read|write)file$/, /^fts3_tokenizer$/, /^edit$/],
};

/**
 * Why `sql` may not run as a read query, or undefined when it may.
 * @param sql The full statement as sent to the server (parameters already bound, comment prepended).
 * @example readOnlyProblem("select 'x' into outfile '/tmp/f'", 'mysql') // '"INTO" …'
 */
export function readOnlyProblem(sql: string, dialect: SqlDialect): string | undefined {
  // Where a backslash in a string escapes depends on server settings: both readings must pass.
  if (dialect === 'sqlite') return readingProblem(sql, dialect, false);
  const escaped = readingProblem(sql, dialect, true);
  const literal = readingProblem(sql, dialect, false);
  if ((escaped === undefined) !== (literal === undefined)) {
    return "its strings read differently depending on whether a backslash escapes a quote (NO_BACKSLASH_ESCAPES, standard_conforming_strings); write '' for a quote inside a string";
  }
  return escaped ?? literal;
}

function readingProblem(sql: string, dialect: SqlDialect, backslashEscapes: boolean): string | undefined {
  let tokens: Token[];
  try {
    tokens = lexSql(sql, { dialect, backslashEscapes });
  } catch (error) {
    if (error instanceof LexRefusal) return error.message;
    throw error;
  }
  return tokenProblem(tokens, dialect);
}

/**
 * Throws unless `sql` is a single read statement (see readOnlyProblem).
 * @throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY naming the reason.
 */
export function assertReadOnlySql(sql: string, dialect: SqlDialect): void {
  const problem = readOnlyProblem(sql, dialect);
  if (problem !== undefined) throw notReadOnly(problem);
}

export function notReadOnly(reason: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY', [reason]);
}

function tokenProblem(tokens: readonly Token[], dialect: SqlDialect): string | undefined {
  let end = tokens.length;
  while (end > 0 && isPunct(tokens[end - 1], ';')) end--; // a trailing ; is harmless
  const body = tokens.slice(0, end);
  if (body.some((token) => isPunct(token, ';'))) return 'it holds more than one statement';
  const first = body.find((token) => !isPunct(token, '('));
  if (first === undefined) return 'it holds no statement';
  if (first.kind !== 'word' || !READ_VERBS[dialect].has(first.text)) {
    return `${describe(first)} is not a read query (only ${[...READ_VERBS[dialect]].join(', ')} statements run)`;
  }
  for (let i = 0; i < body.length; i++) {
    const token = body[i] as Token;
    if (token.kind === 'word' && WRITE_WORDS.has(token.text)) return `it contains ${token.text}, which writes, locks or creates (quote a column of that name)`;
    if (token.kind === 'word' && token.text === 'FOR' && isWord(body[i + 1], ['SHARE', 'KEY', 'NO'])) return 'it locks rows (FOR SHARE / FOR KEY SHARE / FOR NO KEY UPDATE)';
    if (token.kind !== 'word' && token.kind !== 'quoted') continue;
    const name = token.text.toLowerCase();
    if (DANGEROUS_FUNCTIONS[dialect].some((pattern) => pattern.test(name))) {
      return `it names the server function ${name}, which reaches outside the query's own data (files, programs, other sessions or dynamic SQL)`;
    }
  }
  return undefined;
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

function isWord(token: Token | undefined, words: readonly string[]): boolean {
  return token?.kind === 'word' && words.includes(token.text);
}

function describe(token: Token): string {
  if (token.kind === 'word') return JSON.stringify(token.text);
  if (token.kind === 'punct') return JSON.stringify(token.text);
  return `a ${token.kind === 'quoted' ? 'quoted identifier' : token.kind}`;
}
