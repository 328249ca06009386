import { MAX_CELL_TEXT } from './cell-ref.js';
import { NS, XML_DECLARATION, escapeText, needsPreserve } from './xml.js';

/**
 * The bounded shared-string table for columns that opt in. It lives on the main thread (indices must agree across
 * workers) and stops growing at `limit` entries or `charBudget` characters in all: strings first seen after that
 * are written inline, so memory stays flat however many (or however long) distinct values a column turns out to have.
 */
export class SharedStrings {
  readonly #index = new Map<string, number>();
  readonly #limit: number;
  readonly #charBudget: number;
  #chars = 0;
  #references = 0;

  constructor(limit: number, charBudget = 16 * 1024 * 1024) {
    this.#limit = limit;
    this.#charBudget = charBudget;
  }

  /** Index for a string, or -1 when it must be written inline (table full, too long, or not a string). */
  lookup(value: unknown): number {
    if (typeof value !== 'string' || value === '' || value.length > MAX_CELL_TEXT) return -1;
    let index = this.#index.get(value);
    if (index === undefined) {
      if (this.#index.size >= this.#limit || this.#chars + value.length > this.#charBudget) return -1;
      this.#chars += value.length;
      index = this.#index.size;
      this.#index.set(value, index);
    }
    this.#references++;
    return index;
  }

  get size(): number {
    return this.#index.size;
  }

  /** `xl/sharedStrings.xml` in pieces of about `pieceChars` characters, in index order (Map keeps insertion order). */
  *xmlPieces(pieceChars = 256 * 1024): Generator<string> {
    let piece = `${XML_DECLARATION}<sst xmlns="${NS.main}" count="${this.#references}" uniqueCount="${this.#index.size}">`;
    for (const text of this.#index.keys()) {
      const space = needsPreserve(text) ? ' xml:space="preserve"' : '';
      piece += `<si><t${space}>${escapeText(text)}</t></si>`;
      if (piece.length >= pieceChars) {
        yield piece;
        piece = '';
      }
    }
    yield `${piece}</sst>`;
  }
}
