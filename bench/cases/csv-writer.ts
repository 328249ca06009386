/**
 * The plain CSV baseline: a generic RFC 4180 writer as a Node user would write it, one string per
 * row, rows gathered into ~1 MiB chunks, each chunk one write() that waits for 'drain' when told to.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const NEEDS_QUOTES = /[",\r\n]/;
const CHUNK_CHARS = 1 << 20;

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

export function csvLine(row: readonly unknown[]): string {
  let line = '';
  for (let column = 0; column < row.length; column++) {
    if (column > 0) line += ',';
    line += csvField(row[column]);
  }
  return `${line}\n`;
}

export class ChunkedCsvWriter {
  readonly #sink: Writable;
  #lines: string[] = [];
  #chars = 0;

  constructor(sink: Writable) {
    this.#sink = sink;
  }

  async writeRow(row: readonly unknown[]): Promise<void> {
    const line = csvLine(row);
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const chunk = this.#lines.join('');
    this.#lines = [];
    this.#chars = 0;
    if (!this.#sink.write(chunk)) await once(this.#sink, 'drain');
  }
}
