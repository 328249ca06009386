/**
 * Streaming CSV writer: RFC 4180, UTF-8 without BOM, CRLF line ends, a header row of the
 * column names. Each row is built as one string, encoded into a 1 MiB buffer, and the buffer is
 * written when full. Two buffers alternate: one fills while the other is being written, and a
 * buffer is reused only after its write callback fired (the stream no longer holds it).
 */
import type { Writable } from 'node:stream';
import type { CellValue, NumberFormat } from '../xlsx/types.js';
import { SheetpipeError } from '../errors.js';
import { dateStyleFor, encodeCell, encodeSafeText, encodeText, type TextEncoder } from './csv-cells.js';
import { createDateFormatter, type DateFormatter } from './date-text.js';
import type { RowWriter } from './row-writer.js';

const BUFFER_BYTES = 1 << 20;
/** A UTF-16 code unit needs at most 3 UTF-8 bytes, so `length * 3` bytes always fit a string. */
const MAX_BYTES_PER_UNIT = 3;

export interface CsvColumn {
  readonly header?: string;
  readonly format?: NumberFormat;
}

export interface CsvOptions {
  /** Write text exactly as stored, without neutralising formula-like cells (for machine consumers; see csv-cells.ts). */
  readonly raw?: boolean;
  readonly bufferBytes?: number;
}

export class CsvWriter implements RowWriter {
  readonly sheets: readonly string[] = [];
  readonly #stream: Writable;
  /** One date formatter per column (each caches its last day); extra cells share `#fallback`. */
  readonly #dates: DateFormatter[];
  readonly #fallback = createDateFormatter('datetime');
  readonly #text: TextEncoder;
  readonly #buffers: [Buffer, Buffer];
  #current: 0 | 1 = 0;
  #used = 0;
  /** The write of the other buffer, still in flight. */
  #inFlight: Promise<void> = Promise.resolve();
  #rows = 0;
  #state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(stream: Writable, columns: readonly CsvColumn[], options: CsvOptions = {}) {
    this.#stream = stream;
    this.#dates = columns.map((column) => createDateFormatter(dateStyleFor(column.format)));
    this.#text = options.raw === true ? encodeText : encodeSafeText;
    const bufferBytes = options.bufferBytes ?? BUFFER_BYTES;
    this.#buffers = [Buffer.allocUnsafeSlow(bufferBytes), Buffer.allocUnsafeSlow(bufferBytes)];
    if (columns.length > 0) this.#append(columns.map((column) => this.#text(column.header ?? '')).join(',') + '\r\n');
  }

  async addBatch(rows: CellValue[][]): Promise<void> {
    this.#assertOpen();
    const dates = this.#dates;
    const text = this.#text;
    for (const row of rows) {
      const rowNumber = ++this.#rows;
      let line = '';
      for (let i = 0; i < row.length; i++) {
        if (i > 0) line += ',';
        line += encodeCell(row[i], dates[i] ?? this.#fallback, rowNumber, i + 1, text);
      }
      line += '\r\n';
      if (line.length * MAX_BYTES_PER_UNIT > this.#free()) {
        await this.#flush();
        this.#assertOpen();
        if (line.length * MAX_BYTES_PER_UNIT > this.#free()) {
          await this.#writeChunk(Buffer.from(line, 'utf8'));
          continue;
        }
      }
      this.#append(line);
    }
  }

  async close(): Promise<void> {
    this.#assertOpen();
    await this.#flush();
    await this.#inFlight;
    this.#state = 'closed';
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject);
      this.#stream.end(() => {
        this.#stream.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops writing at once: an in-flight write to a stalled destination is not waited for. */
  async abort(): Promise<void> {
    this.#state = 'aborted';
  }

  #free(): number {
    return this.#buffers[this.#current].length - this.#used;
  }

  #append(text: string): void {
    this.#used += this.#buffers[this.#current].write(text, this.#used, 'utf8');
  }

  async #flush(): Promise<void> {
    if (this.#used === 0) return;
    const chunk = this.#buffers[this.#current].subarray(0, this.#used);
    await this.#inFlight;
    this.#inFlight = this.#writeChunk(chunk);
    this.#current = this.#current === 0 ? 1 : 0;
    this.#used = 0;
    // Keep the rejection observed here; the next flush or close awaits and rethrows it.
    this.#inFlight.catch(() => undefined);
  }

  #writeChunk(chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stream.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', [`the CSV writer is ${this.#state}`]);
  }
}
