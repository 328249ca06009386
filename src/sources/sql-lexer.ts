/**
 * A deliberately strict SQL lexer for the read-only guard (read-only-sql.ts). It splits a statement
 * into code tokens and skips what the server never executes: string literals, quoted identifiers,
 * comments and PostgreSQL dollar quotes. Where the servers' own lexers could read the text another
 * way than this one does, it refuses instead of guessing (a `LexRefusal`):
 * - control and invisible characters anywhere (zero-width, bidi, BOM, line separators, lone `\r`);
 * - non-ASCII characters in code (fullwidth `ＤＲＯＰ`, homoglyphs): quote such identifiers;
 * - MySQL executable comments (`/*!…*\/`, `/*M!…*\/`) and optimizer hints (`/*+…*\/`);
 * - MySQL `--` not followed by a space (`1--1` is not a comment there);
 * - PostgreSQL `U&'…'` / `U&"…"` escapes; a number glued to a word (`1into`);
 * - anything unterminated.
 * Backslashes inside strings depend on server settings (NO_BACKSLASH_ESCAPES,
 * standard_conforming_strings): the caller lexes both ways and accepts only if both agree.
 */
import type { SqlDialect } from './sql-params.js';

export interface LexOptions {
  readonly dialect: SqlDialect;
  /** Whether `\` escapes the next character in ordinary '…' (and MySQL "…") literals. */
  readonly backslashEscapes: boolean;
}

export type Token =
  /** An unquoted word, upper-cased (keywords, identifiers, function names). */
  | { readonly kind: 'word'; readonly text: string }
  /** A quoted identifier's name as written between the quotes. */
  | { readonly kind: 'quoted'; readonly text: string }
  | { readonly kind: 'string' }
  | { readonly kind: 'number' }
  /** One ASCII punctuation character (`(`, `;`, `:` …). */
  | { readonly kind: 'punct'; readonly text: string };

/** The text cannot be read unambiguously; `reason` says why, for the user. */
export class LexRefusal extends Error {}

// Cc except tab/newline/CR, Cf (zero-width, bidi, BOM, soft hyphen), line/paragraph separators, lone surrogates.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Cf}\u2028\u2029\p{Cs}]|\r(?!\n)/u;

const NUMBER = /0[xX][0-9A-Fa-f]+|0[bB][01]+|[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/y;
// Character-code tests: the regex versions made a 1 MB IN list take 4x longer to lex.
const isLetter = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWordStart = (c: string): boolean => isLetter(c.charCodeAt(0));
const isWordPart = (c: string): boolean => isLetter(c.charCodeAt(0)) || isDigit(c) || c === '$';
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const codePoint = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Tokens of `sql`'s code, in order.
 * @throws LexRefusal when the text could be read more than one way, or holds invisible characters.
 */
export function lexSql(sql: string, options: LexOptions): Token[] {
  const invisible = INVISIBLE.exec(sql);
  if (invisible) throw new LexRefusal(`it contains the invisible or control character ${codePoint(invisible[0])}`);
  return new Lexer(sql, options).run();
}

class Lexer {
  readonly #sql: string;
  readonly #options: LexOptions;
  readonly #tokens: Token[] = [];
  #i = 0;

  constructor(sql: string, options: LexOptions) {
    this.#sql = sql;
    this.#options = options;
  }

  run(): Token[] {
    const sql = this.#sql;
    const { dialect } = this.#options;
    while (this.#i < sql.length) {
      const c = sql[this.#i] as string;
      const next = sql[this.#i + 1] ?? '';
      if (isSpace(c)) this.#i++;
      else if (c === '-' && next === '-') this.#lineComment(dialect === 'mysql');
      else if (c === '#' && dialect === 'mysql') this.#lineComment(false);
      else if (c === '/' && next === '*') this.#blockComment();
      else if (c === "'") this.#quoted("'", this.#options.backslashEscapes && dialect !== 'sqlite', 'string');
      else if (c === '"') this.#quoted('"', this.#options.backslashEscapes && dialect === 'mysql', dialect === 'mysql' ? 'string' : 'quoted');
      else if (c === '`' && dialect !== 'postgres') this.#quoted('`', false, 'quoted');
      else if (c === '[' && dialect === 'sqlite') this.#bracketed();
      else if (c === '$' && dialect === 'postgres' && this.#dollarQuote()) continue;
      else if (isDigit(c)) this.#number();
      else if (isWordStart(c)) this.#word();
      else if (c.charCodeAt(0) > 127) throw new LexRefusal(`it has the non-ASCII character ${codePoint(c)} outside a string, quoted identifier or comment (quote such identifiers)`);
      else {
        this.#tokens.push({ kind: 'punct', text: c });
        this.#i++;
      }
    }
    return this.#tokens;
  }

  /** `-- …` / `# …` to the end of the line. MySQL needs whitespace after `--`; without it the reading is ambiguous. */
  #lineComment(needsSpace: boolean): void {
    const after = this.#sql[this.#i + 2];
    if (needsSpace && after !== undefined && !isSpace(after)) throw new LexRefusal('"--" not followed by a space is not a comment in MySQL/MariaDB (write "- -" for two minus signs)');
    const end = this.#sql.indexOf('\n', this.#i);
    this.#i = end === -1 ? this.#sql.length : end + 1;
  }

  /** `/* … *\/`, nested in PostgreSQL; MySQL's executable comments and hints are code, so they are refused. */
  #blockComment(): void {
    const sql = this.#sql;
    if (this.#options.dialect === 'mysql' && /^\/\*(!|[Mm]!|\+)/.test(sql.slice(this.#i, this.#i + 4))) {
      throw new LexRefusal('MySQL/MariaDB executable comments (/*! … */, /*M! … */) and optimizer hints (/*+ … */) are not allowed');
    }
    const nests = this.#options.dialect === 'postgres';
    let depth = 1;
    let j = this.#i + 2;
    while (depth > 0) {
      if (j >= sql.length) throw new LexRefusal('a /* comment is not closed');
      if (sql.startsWith('*/', j)) {
        depth--;
        j += 2;
      } else if (nests && sql.startsWith('/*', j)) {
        depth++;
        j += 2;
      } else j++;
    }
    this.#i = j;
  }

  /** A literal or identifier between `quote`s, the quote doubled inside; with `backslash`, `\x` is one escaped character. */
  #quoted(quote: string, backslash: boolean, kind: 'string' | 'quoted'): void {
    const sql = this.#sql;
    const prefix = this.#previousWord();
    if (this.#options.dialect === 'postgres' && prefix === 'U&') throw new LexRefusal('PostgreSQL U& escapes are not allowed');
    // PostgreSQL E'…' always takes backslash escapes.
    const escapes = backslash || (this.#options.dialect === 'postgres' && quote === "'" && prefix === 'E');
    let text = '';
    let j = this.#i + 1;
    for (;;) {
      if (j >= sql.length) throw new LexRefusal(`a ${quote} quote is not closed`);
      const c = sql[j] as string;
      if (escapes && c === '\\') {
        text += sql.slice(j, j + 2);
        j += 2;
      } else if (c === quote && sql[j + 1] === quote) {
        text += quote;
        j += 2;
      } else if (c === quote) break;
      else {
        text += c;
        j++;
      }
    }
    this.#i = j + 1;
    this.#tokens.push(kind === 'string' ? { kind } : { kind, text });
  }

  /** The prefix glued to a quote: `E` (E'…'), `U&` (U&'…'); undefined for anything else. */
  #previousWord(): string | undefined {
    const before = this.#sql.slice(Math.max(0, this.#i - 2), this.#i).toUpperCase();
    if (before === 'U&') return 'U&';
    const last = this.#tokens[this.#tokens.length - 1];
    const glued = this.#i > 0 && isWordPart(this.#sql[this.#i - 1] as string);
    return glued && last?.kind === 'word' ? last.text : undefined;
  }

  /** SQLite `[identifier]`. */
  #bracketed(): void {
    const end = this.#sql.indexOf(']', this.#i);
    if (end === -1) throw new LexRefusal('a [ identifier is not closed');
    this.#tokens.push({ kind: 'quoted', text: this.#sql.slice(this.#i + 1, end) });
    this.#i = end + 1;
  }

  /** PostgreSQL `$tag$…$tag$` (false for `$1` and a lone `$`, which are punctuation). */
  #dollarQuote(): boolean {
    const sql = this.#sql;
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(this.#i, this.#i + 64))?.[0];
    if (tag === undefined) {
      // `$1` is a parameter and a lone `$` an operator character; `$name` or `$é…` could be read as a tag.
      const after = sql[this.#i + 1] ?? '';
      if (/[A-Za-z_]/.test(after) || after.charCodeAt(0) > 127) throw new LexRefusal('a $ that is neither a $n parameter nor an ASCII $tag$ dollar quote');
      return false;
    }
    const end = sql.indexOf(tag, this.#i + tag.length);
    if (end === -1) throw new LexRefusal(`a ${tag} dollar quote is not closed`);
    this.#tokens.push({ kind: 'string' });
    this.#i = end + tag.length;
    return true;
  }

  /** 12, 1.5, 1e-3, 0x1F, 0b101; a letter glued to a number (`1into`) is refused: servers differ on where the word starts. */
  #number(): void {
    const start = this.#i;
    NUMBER.lastIndex = start; // sticky: no copy of the rest of the text per number (long IN lists)
    this.#i += (NUMBER.exec(this.#sql) as RegExpExecArray)[0].length;
    const after = this.#sql[this.#i];
    if (after !== undefined && (isWordPart(after) || after.charCodeAt(0) > 127)) {
      throw new LexRefusal(`a number is directly followed by a letter near ${JSON.stringify(this.#sql.slice(start, start + 20))}`);
    }
    this.#tokens.push({ kind: 'number' });
  }

  #word(): void {
    let j = this.#i;
    while (j < this.#sql.length && isWordPart(this.#sql[j] as string)) j++;
    const next = this.#sql[j];
    if (next !== undefined && next.charCodeAt(0) > 127) throw new LexRefusal(`it has the non-ASCII character ${codePoint(next)} in a word (quote such identifiers)`);
    this.#tokens.push({ kind: 'word', text: this.#sql.slice(this.#i, j).toUpperCase() });
    this.#i = j;
  }
}
