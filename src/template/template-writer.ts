import type { Writable } from 'node:stream';
import { crc32, deflateRawSync } from 'node:zlib';
import { SheetpipeError } from '../errors.js';
import type { RowWriter } from '../pipeline/row-writer.js';
import { openOutput } from '../util/open-output.js';
import type { Output } from '../util/output.js';
import { BlockSequencer, type BlockEntry } from '../zip/block-sequencer.js';
import { ZipWriter } from '../zip/zip-writer.js';
import { MAX_COLUMNS, MAX_ROWS } from '../xlsx/cell-ref.js';
import { RenderPool } from '../xlsx/render-pool.js';
import type { ChunkTask } from '../xlsx/chunk-task.js';
import { resolveFormat } from '../xlsx/number-formats.js';
import { batchDecoder, ChunkRows } from '../xlsx/chunk-rows.js';
import type { EncodedRows } from '../xlsx/encoded-rows.js';
import { packRows, RowPacker, type PackedRows } from '../xlsx/row-packer.js';
import { ByteBuffer, RowRenderer, type ColumnLayout, type RenderLayout } from '../xlsx/row-renderer.js';
import { estimateRowBytes } from '../xlsx/sizing.js';
import type { CellValue, ColumnOptions, Row } from '../xlsx/types.js';
import { usableCpus } from '../util/cpu-quota.js';
import { dateStyleEdit } from './package-edits.js';
import type { TemplateEntry } from './package-reader.js';
import type { PreparedTemplate } from './prepare.js';

const FIXED_TIME = new Date(Date.UTC(2000, 0, 1));
const FOUR_GIB = 2 ** 32;
const CHUNK_BYTES = 1024 * 1024;
const MAX_CHUNK_ROWS = 4096;

export interface TemplateWriterOptions {
  /** The query's columns, when known before the rows (the pipeline's); else the template's data area decides. */
  readonly columns?: readonly ColumnOptions[];
  readonly threads?: number;
  readonly niceIncrement?: number;
  readonly deterministic?: boolean;
  readonly signal?: AbortSignal;
  readonly expectedRows?: number;
}

const isTemporal = (column: ColumnOptions): boolean => resolveFormat(column.format, column.decimals).temporal !== undefined;

/**
 * Writes the filled template: the entries before the target sheet are copied raw at once, the target sheet is streamed
 * (the template's text up to the data, then the rows, rendered and compressed on the engine's worker threads and merged
 * in order, then the rest of the sheet), and at close the entries after it and the rewritten parts follow.
 */
export class TemplateWriter implements RowWriter {
  readonly sheets: string[] = [];
  readonly #template: PreparedTemplate;
  readonly #output: Output;
  readonly #zip: ZipWriter;
  readonly #sequencer: BlockSequencer;
  readonly #pool: RenderPool;
  readonly #layout: RenderLayout;
  /** The chunk being filled: packed rows (addBatch) or rows still encoded (addEncoded), decoded by the workers. */
  readonly #chunk = new ChunkRows(new RowPacker(64 * 1024));
  readonly #entry: BlockEntry;
  readonly #rewritten: Map<string, (newLastRow: number) => string>;
  readonly #after: TemplateEntry[];
  #rows = 0;
  /** Rows of the template's data area that have cells beside it: the first data rows are merged with them (#heldXml). */
  readonly #sideSpan: number;
  readonly #held: Row[] = [];
  #chunkFirstRow: number;
  #rowsPerChunk = 0;
  #bytesPerRow = 512;
  /** The previous chunk's last rows: workers re-render them as the deflate dictionary, as the engine does (render-thread.ts). */
  #overlap: { packed: PackedRows | EncodedRows | undefined; firstRow: number } = { packed: undefined, firstRow: 1 };
  #started = false;
  #failed = false;

  private constructor(template: PreparedTemplate, output: Output, layout: RenderLayout, rewritten: Map<string, (n: number) => string>, options: TemplateWriterOptions) {
    this.#template = template;
    this.#output = output;
    this.#layout = layout;
    this.#rewritten = rewritten;
    this.#zip = new ZipWriter(output.stream, { modified: options.deterministic ? FIXED_TIME : new Date() });
    const threads = Math.max(1, Math.min(16, options.threads ?? usableCpus()));
    this.#pool = new RenderPool(threads, options.niceIncrement ?? 0);
    this.#sequencer = new BlockSequencer(this.#zip, threads * 2, () => undefined);
    const sideRows = [...template.split.sideCells.keys()];
    this.#sideSpan = sideRows.length === 0 ? 0 : Math.max(...sideRows) - template.target.area.firstRow + 1;
    this.#chunkFirstRow = template.target.area.firstRow + this.#sideSpan;
    const expected = Math.min(options.expectedRows ?? MAX_ROWS, MAX_ROWS);
    this.#entry = {
      path: template.target.sheetPath,
      mayExceed4GiB: (block, rows) => (block.rawLength / Math.max(1, rows)) * expected * 1.25 >= FOUR_GIB,
    };
    const index = template.pkg.entries.findIndex((entry) => entry.name === template.target.sheetPath);
    this.#after = template.pkg.entries.slice(index + 1);
    this.sheets.push(template.target.sheetName);
  }

  /**
   * Starts the output for a prepared template. Throws SHEETPIPE_ERR_TEMPLATE_COLUMNS when a table's width differs from
   * the query's, SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS past Excel's last column.
   */
  static async open(out: string | Writable, template: PreparedTemplate, options: TemplateWriterOptions = {}): Promise<TemplateWriter> {
    const { area, table } = template.target;
    const styles = template.split.styles;
    const tableWidth = area.lastColumn === undefined ? undefined : area.lastColumn - area.firstColumn + 1;
    const width = options.columns?.length ?? tableWidth ?? Math.max(1, ...[...styles.keys()].map((column) => column - area.firstColumn + 1));
    if (table && tableWidth !== width) throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_COLUMNS', [JSON.stringify(table.name), tableWidth, width]);
    if (area.firstColumn + width > MAX_COLUMNS) throw new SheetpipeError('SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS', [template.target.sheetName, area.firstColumn + width]);
    const rewritten = new Map(template.edits.rewritten);
    // Dates in a column the template left unformatted need a date style; one is added only when such a column exists.
    const needsDateStyle = Array.from({ length: width }, (_, i) => i).some(
      (i) => !styles.has(area.firstColumn + i) && (options.columns?.[i] === undefined || isTemporal(options.columns[i] as ColumnOptions)),
    );
    const dateStyle = needsDateStyle ? await dateStyleEdit(template.pkg) : undefined;
    if (dateStyle) rewritten.set('xl/styles.xml', () => dateStyle.xml);
    const columns: ColumnLayout[] = Array.from({ length: width }, (_, i) => {
      const style = styles.get(area.firstColumn + i) ?? '';
      return { name: options.columns?.[i]?.header ?? '', style, dateStyle: style || (dateStyle?.style ?? ''), instants: true, dateWidth: 0 };
    });
    const layout: RenderLayout = { sheetName: template.target.sheetName, columns, defaultDateStyle: dateStyle?.style ?? '', timeZone: 'UTC', truncateLongText: false, firstColumn: area.firstColumn };
    const writer = new TemplateWriter(template, openOutput(out), layout, rewritten, options);
    try {
      await writer.#copyBefore();
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
    return writer;
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  async addBatch(rows: CellValue[][] | readonly Row[]): Promise<void> {
    for (const row of rows) {
      this.#assertRoom();
      if (this.#rowsPerChunk === 0) this.#sizeChunks(row);
      if (this.#rows < this.#sideSpan) this.#held.push(row);
      else {
        if (this.#chunk.isEncoded) await this.#flush(false); // encoded rows before this one go out first
        this.#chunk.packed.add(row);
      }
      this.#rows++;
      if (this.#chunk.rows >= this.#rowsPerChunk) await this.#flush(false);
    }
  }

  /**
   * Adds rows still in their source's encoding (encoded-rows.ts): the render workers decode them. Only the first row
   * (it sizes the chunks) and the rows merged with the template's side cells are decoded here; the chunks are cut
   * where addBatch would cut them, so both give the same file.
   */
  async addEncoded(batch: EncodedRows): Promise<void> {
    const decode = batchDecoder(batch);
    const limit = this.#rowLimit();
    for (let r = 0; r < batch.rows; ) {
      this.#assertRoom();
      if (this.#rowsPerChunk === 0) this.#sizeChunks(decode(r));
      if (this.#rows < this.#sideSpan) {
        this.#held.push(decode(r));
        this.#rows++;
        r++;
        continue;
      }
      const chunk = this.#chunk;
      if (chunk.packed.rows > 0 || !chunk.encoded.accepts(batch, r)) await this.#flush(false);
      const count = Math.min(batch.rows - r, limit - this.#rows, this.#rowsPerChunk - chunk.encoded.rows);
      chunk.encoded.append(batch, r, r + count);
      this.#rows += count;
      r += count;
      if (chunk.rows >= this.#rowsPerChunk) await this.#flush(false);
    }
  }

  /** Data rows that fit above Excel's last row, leaving room for the table's totals rows. */
  #rowLimit(): number {
    const { area, table } = this.#template.target;
    return MAX_ROWS - (table?.totalsRows ?? 0) - area.firstRow + 1;
  }

  /** Throws SHEETPIPE_ERR_TEMPLATE_TOO_MANY_ROWS when the next row would pass the limit, naming that row. */
  #assertRoom(): void {
    if (this.#rows >= this.#rowLimit()) {
      throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_TOO_MANY_ROWS', [this.#template.target.label, this.#rows + 1, this.#template.target.area.firstRow]);
    }
  }

  /** Rows per chunk from the first row's estimated size: deterministic, and cheap (no per-row sizing after). */
  #sizeChunks(row: Row): void {
    this.#bytesPerRow = Math.max(16, estimateRowBytes(row));
    this.#rowsPerChunk = Math.min(MAX_CHUNK_ROWS, Math.max(64, Math.floor(CHUNK_BYTES / this.#bytesPerRow)));
  }

  async close(): Promise<void> {
    try {
      await this.#flush(true);
      await this.#sequencer.drain();
      await this.#pool.destroy();
      const newLastRow = this.#template.target.area.firstRow + Math.max(this.#rows, 1) - 1;
      const { dropped } = this.#template.edits;
      for (const entry of this.#after) {
        if (!dropped.has(entry.name) && !this.#rewritten.has(entry.name)) await this.#copy(entry);
      }
      for (const [path, build] of this.#rewritten) await this.#writeText(path, build(newLastRow));
      await this.#zip.finish();
      await this.#output.commit();
      this.#template.pkg.close();
    } catch (error) {
      await this.abort(error);
      throw error;
    }
  }

  async abort(reason: unknown): Promise<void> {
    if (this.#failed) return;
    this.#failed = true;
    this.#sequencer.clear();
    await Promise.allSettled([this.#pool.destroy(), this.#output.discard(reason)]);
    this.#template.pkg.close();
  }

  async #copyBefore(): Promise<void> {
    const { pkg, target, edits } = this.#template;
    for (const entry of pkg.entries) {
      if (entry.name === target.sheetPath) break;
      if (!edits.dropped.has(entry.name) && !this.#rewritten.has(entry.name)) await this.#copy(entry);
    }
  }

  async #copy(entry: TemplateEntry): Promise<void> {
    await this.#zip.copyEntry(entry.name, entry, await this.#template.pkg.raw(entry));
  }

  async #writeText(path: string, text: string): Promise<void> {
    const raw = Buffer.from(text, 'utf8');
    await this.#zip.beginEntry(path, false);
    await this.#zip.writeData(deflateRawSync(raw, { level: 6 }));
    await this.#zip.endEntry(crc32(raw), raw.length);
  }

  /**
   * The first data rows, rendered here because each is merged with the template's cells beside the data in its row; a
   * row with side cells but no data left keeps just those. Only a few rows (a template's sample data) take this path.
   */
  #heldXml(): string {
    const { split, target } = this.#template;
    const renderer = new RowRenderer(this.#layout);
    let xml = '';
    for (let i = 0; i < this.#sideSpan; i++) {
      const rowNumber = target.area.firstRow + i;
      const side = split.sideCells.get(rowNumber) ?? { left: '', right: '' };
      let rendered = `<row r="${rowNumber}"></row>`;
      const row = this.#held[i];
      if (row !== undefined) {
        const out = new ByteBuffer(1024);
        renderer.renderRows(packRows([row]), rowNumber, out);
        rendered = out.view().toString('utf8');
      } else if (side.left === '' && side.right === '') continue;
      const open = rendered.indexOf('>') + 1;
      xml += rendered.slice(0, open) + side.left + rendered.slice(open, -'</row>'.length) + side.right + '</row>';
    }
    return xml;
  }

  async #flush(last: boolean): Promise<void> {
    const rowCount = this.#chunk.rows;
    if (rowCount === 0 && !last) return;
    const first = !this.#started;
    this.#started = true;
    const { split, target } = this.#template;
    const newLastRow = target.area.firstRow + Math.max(this.#rows, 1) - 1;
    const task: ChunkTask = {
      layout: this.#layout,
      layoutKey: 1,
      prefix: first ? split.prefix + this.#heldXml() : '',
      rows: this.#chunk.copy(),
      firstRow: this.#chunkFirstRow,
      overlap: this.#overlap.packed,
      overlapFirstRow: this.#overlap.firstRow,
      suffix: last ? split.suffix(newLastRow) : '',
      level: 1,
      prime: true,
    };
    const overlap = this.#chunk.overlap(this.#bytesPerRow);
    this.#overlap = { packed: overlap.rows, firstRow: this.#chunkFirstRow + overlap.start };
    this.#chunk.reset();
    this.#chunkFirstRow += rowCount;
    await this.#sequencer.push(this.#entry, this.#pool.run(task), first, last, rowCount);
  }
}
