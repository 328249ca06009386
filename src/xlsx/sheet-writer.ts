import { SheetpipeError } from '../errors.js';
import { MAX_COLUMNS, MAX_ROWS } from './cell-ref.js';
import type { ChunkResult, ChunkTask } from './chunk-task.js';
import { columnLetters } from './cell-ref.js';
import { batchDecoder, ChunkRows } from './chunk-rows.js';
import type { EncodedRows } from './encoded-rows.js';
import { DEFAULT_DATETIME_CODE, resolveFormat } from './number-formats.js';
import { packRows, RowPacker, type PackedRows } from './row-packer.js';
import { ByteBuffer, RowRenderer, type ColumnLayout, type RenderLayout } from './row-renderer.js';
import { estimateRowBytes, estimateWidths, numberShapeOf, WIDTH_SAMPLE_ROWS, type NumberShape } from './sizing.js';
import { LINK_LOOK } from './hyperlink.js';
import { SheetFeatures } from './sheet-features.js';
import { titleMergeXml, titleRowsXml, widenForTitle } from './title-rows.js';
import { Aggregates, type Aggregate } from './totals.js';
import type { CellLook, ColumnOptions, Row, SheetOptions } from './types.js';
import { filterRange, worksheetEpilogue, worksheetPrologue } from './worksheet.js';
import type { WorkbookContext } from './workbook-context.js';

const SIZING_ROWS = 64;
/** The first rows of a part are also kept as values, to size its chunks and estimate its column widths. */
const SAMPLE_ROWS = Math.max(SIZING_ROWS, WIDTH_SAMPLE_ROWS);

/** One physical worksheet part (`sheetN.xml`); a logical sheet rolls over into several at Excel's row limit. */
interface Part {
  readonly name: string;
  readonly path: string;
  readonly index: number;
  readonly layout: RenderLayout;
  readonly layoutKey: number;
  rows: number;
  /** The current chunk's rows, packed as they arrive (row-packer.ts) or still encoded (addEncoded). */
  readonly chunk: ChunkRows;
  /** The first SAMPLE_ROWS rows of the part, until its first chunk is sent. */
  sample: Row[];
  chunkFirstRow: number;
  started: boolean;
  rowsPerChunk: number;
  overlap: { packed: PackedRows | EncodedRows | undefined; firstRow: number };
  bytesPerRowEstimate: number;
  /** With a totals row: each sent chunk's aggregates, in chunk order; a worker's arrive with its result. */
  readonly aggregates: (Aggregate[] | Promise<Aggregate[]>)[];
}

/**
 * Rows for one sheet. Rows are collected into chunks (cut by a row count sized from the first rows' estimated
 * bytes, so chunking depends only on the data, which keeps output identical whatever the thread count) and each full
 * chunk is handed to the workbook, which waits when workers or the sink are behind.
 */
export class SheetWriter {
  readonly name: string;
  readonly #book: WorkbookContext;
  readonly #options: SheetOptions;
  readonly #headers: readonly string[] | undefined;
  /** Title lines above the header; the header is in row `#top + 1`. */
  readonly #title: readonly string[];
  readonly #top: number;
  readonly #reservedRows: number;
  readonly #sharedColumns: readonly boolean[];
  readonly #features: SheetFeatures;
  /** Each column's number shape (widths), from its resolved format; filled by the first layout. */
  #shapes: (NumberShape | undefined)[] = [];
  #part: Part;
  #rollovers = 1;
  #rows = 0;
  #ended = false;

  constructor(book: WorkbookContext, name: string, options: SheetOptions) {
    this.name = name;
    this.#book = book;
    this.#options = options;
    const columns = options.columns ?? [];
    const headers = columns.some((column) => column.header !== undefined) ? columns.map((column) => column.header ?? '') : undefined;
    this.#features = new SheetFeatures(options, headers !== undefined, book.styles);
    this.#headers = headers && this.#features.headers(headers);
    this.#title = options.title ?? [];
    this.#top = this.#title.length;
    // Title rows and a totals row take rows of every part too.
    this.#reservedRows = this.#top + (this.#headers ? 1 : 0) + (this.#features.totals ? 1 : 0);
    if (columns.length > MAX_COLUMNS) throw new SheetpipeError('SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS', [name, columns.length]);
    // Link cells are formulas, never shared strings.
    this.#sharedColumns = columns.map((column) => column.sharedStrings === true && column.hyperlink !== true);
    this.#part = this.#openPart(name);
  }

  /** Data rows accepted for this sheet and its rollovers. */
  get rows(): number {
    return this.#rows;
  }

  addRow(row: Row): Promise<void> {
    return this.addBatch([row]);
  }

  /** Adds rows; resolves when they are accepted, waiting while the workers or the sink are behind. */
  async addBatch(rows: readonly Row[]): Promise<void> {
    this.#book.assertWritable(this);
    const limit = MAX_ROWS - this.#reservedRows;
    const totals = this.#features.totals;
    for (let i = 0; i < rows.length; i++) {
      let part = this.#part;
      if (part.rows === limit) {
        await this.#finishPart();
        part = this.#part = this.#openPart(this.#book.nextRolloverName(this.name, ++this.#rollovers));
      }
      if (part.chunk.isEncoded) await this.#flush(false); // encoded rows before these go out first
      const row = rows[i] as Row;
      if (row.length > MAX_COLUMNS) throw new SheetpipeError('SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS', [part.name, row.length]);
      part.chunk.packed.add(row);
      totals?.chunk.add(row);
      part.rows++;
      this.#rows++;
      if (!part.started && part.sample.length < SAMPLE_ROWS) {
        part.sample.push(row);
        if (part.sample.length === SIZING_ROWS) this.#sizeChunks(part);
      }
      if (part.chunk.rows >= part.rowsPerChunk) await this.#flush(false);
    }
  }

  /**
   * Adds rows still in their source's encoding (encoded-rows.ts): the render workers decode them, and return each
   * chunk's aggregates for a totals row. Only the rows the sheet samples (chunk sizing, column widths) are decoded
   * here. Resolves when they are accepted, waiting while the workers or the sink are behind.
   */
  async addEncoded(batch: EncodedRows): Promise<void> {
    this.#book.assertWritable(this);
    const limit = MAX_ROWS - this.#reservedRows;
    const decode = batchDecoder(batch);
    for (let r = 0; r < batch.rows; ) {
      let part = this.#part;
      if (part.rows === limit) {
        await this.#finishPart();
        part = this.#part = this.#openPart(this.#book.nextRolloverName(this.name, ++this.#rollovers));
      }
      if (part.chunk.packed.rows > 0 || !part.chunk.encoded.accepts(batch, r)) await this.#flush(false);
      let count = Math.min(batch.rows - r, limit - part.rows, Math.max(1, part.rowsPerChunk - part.chunk.encoded.rows));
      const sampling = !part.started && part.sample.length < SAMPLE_ROWS;
      // Chunks are sized after SIZING_ROWS rows, as addBatch does, so both cut the same chunks.
      if (sampling) count = Math.min(count, (part.sample.length < SIZING_ROWS ? SIZING_ROWS : SAMPLE_ROWS) - part.sample.length);
      if (sampling) {
        for (let i = r; i < r + count; i++) part.sample.push(decode(i));
        if (part.sample.length === SIZING_ROWS) this.#sizeChunks(part);
      }
      part.chunk.encoded.append(batch, r, r + count);
      part.rows += count;
      this.#rows += count;
      r += count;
      if (part.chunk.encoded.rows >= part.rowsPerChunk) await this.#flush(false);
    }
  }

  /** Adds every row of an iterable or async iterable, with backpressure. */
  async addRows(rows: Iterable<Row> | AsyncIterable<Row>): Promise<void> {
    for await (const row of rows) await this.addRow(row);
  }

  /** Writes the sheet's last chunk; called by the workbook when another sheet starts or on close. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#finishPart();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #openPart(name: string): Part {
    const { index, path } = this.#book.addPart(name, this);
    const layout = this.#buildLayout(name);
    return {
      name,
      path,
      index,
      layout,
      layoutKey: this.#book.nextLayoutKey(),
      rows: 0,
      chunk: new ChunkRows(new RowPacker(64 * 1024, this.#sharedColumns, (value) => this.#book.sharedStrings.lookup(value))),
      sample: [],
      chunkFirstRow: this.#top + (this.#headers ? 1 : 0) + 1,
      started: false,
      rowsPerChunk: this.#book.options.chunkRows,
      overlap: { packed: undefined, firstRow: 1 },
      bytesPerRowEstimate: 512,
      aggregates: [],
    };
  }

  #buildLayout(sheetName: string): RenderLayout {
    const book = this.#book;
    const specs = this.#options.columns ?? [];
    const formats = specs.map((column) => resolveFormat(column.format, column.decimals));
    this.#shapes = formats.map((format) => numberShapeOf(format.code));
    const columns: ColumnLayout[] = specs.map((column, index) => {
      const format = formats[index] as (typeof formats)[number];
      const look = column.hyperlink === true ? { ...LINK_LOOK, ...lookOf(column) } : lookOf(column);
      const style = styleAttribute(book.styles.register(format.code, look));
      const dateStyle = look === undefined ? book.defaultDateStyle : styleAttribute(book.styles.register(DEFAULT_DATETIME_CODE, look));
      return {
        name: column.header ?? '',
        style,
        dateStyle: format.temporal === undefined ? dateStyle : style,
        instants: format.temporal === undefined || format.temporal === 'datetime',
        dateWidth: format.temporal === undefined ? DEFAULT_DATETIME_CODE.length : format.code.length,
        ...(column.hyperlink === true ? { link: true } : {}),
      };
    });
    return {
      sheetName,
      columns,
      defaultDateStyle: book.defaultDateStyle,
      timeZone: book.options.timeZone,
      truncateLongText: book.options.truncateLongText,
    };
  }

  /** Rows per chunk from the first rows' estimated size: deterministic, and cheap (no per-row sizing after). */
  #sizeChunks(part: Part): void {
    let bytes = 0;
    for (const row of part.sample) bytes += estimateRowBytes(row);
    part.bytesPerRowEstimate = Math.max(16, bytes / part.sample.length);
    const target = Math.floor(this.#book.options.chunkBytes / part.bytesPerRowEstimate);
    part.rowsPerChunk = Math.min(this.#book.options.chunkRows, Math.max(SIZING_ROWS, target));
  }

  async #finishPart(): Promise<void> {
    await this.#flush(true);
  }

  async #flush(last: boolean): Promise<void> {
    const part = this.#part;
    const rowCount = part.chunk.rows;
    if (rowCount === 0 && !last) return;
    const first = !part.started;
    if (first && rowCount < SIZING_ROWS && rowCount > 0) this.#sizeChunks(part);
    part.started = true;
    const totals = this.#features.totals;
    // Encoded rows' values exist only in the worker, which aggregates them; addBatch's rows were aggregated here.
    const workerTotals = totals !== undefined && part.chunk.isEncoded;
    if (totals !== undefined && !workerTotals) part.aggregates.push(totals.chunk.take());
    const rows = part.chunk.copy();
    const lastRow = this.#top + (this.#headers ? 1 : 0) + part.rows;
    const finished = last ? this.#partEnding(lastRow) : undefined;
    // The totals row needs every chunk's aggregates: when a worker still has some, it follows as a block of its own.
    const deferred = finished?.totalsRow !== undefined && (workerTotals || part.aggregates.some((a) => a instanceof Promise));
    const task: ChunkTask = {
      layout: part.layout,
      layoutKey: part.layoutKey,
      prefix: first ? this.#prologue(part, part.sample) : '',
      rows,
      firstRow: part.chunkFirstRow,
      overlap: part.overlap.packed,
      overlapFirstRow: part.overlap.firstRow,
      suffix: finished && !deferred ? this.#epilogue(part, lastRow, finished, part.aggregates as Aggregate[][]) : '',
      level: this.#book.options.level,
      prime: this.#book.options.primeDictionary,
      ...(workerTotals ? { totals: totals.columns } : {}),
    };
    part.overlap = this.#overlapOf(part);
    part.chunk.reset();
    part.sample = [];
    part.chunkFirstRow += rowCount;
    if (finished) this.#book.finishPart(part.index, this.#autoFilterRange(lastRow), finished.extras);
    const onResult = workerTotals
      ? (result: Promise<ChunkResult>): void => {
          const aggregates = result.then((done) => done.totals ?? []);
          // A failed chunk fails the workbook through its block; this copy of the failure is not a second one.
          aggregates.catch(() => undefined);
          part.aggregates.push(aggregates);
        }
      : undefined;
    await this.#book.submit(task, part.path, first, last && !deferred, rowCount, onResult);
    if (finished && deferred) {
      const tail = Promise.all(part.aggregates).then(
        (chunks): ChunkTask => ({ ...task, prefix: '', rows: packRows([]), firstRow: lastRow + 1, overlap: undefined, prime: false, suffix: this.#epilogue(part, lastRow, finished, chunks), totals: undefined }),
      );
      await this.#book.submit(tail, part.path, false, true, 0);
    }
  }

  /** The part's last XML: its totals row, with cached values from the chunks' aggregates merged in order, and the epilogue. */
  #epilogue(part: Part, lastRow: number, finished: ReturnType<SheetFeatures['finishPart']>, chunks: readonly Aggregate[][]): string {
    let tail = finished.tail;
    const totals = this.#features.totals;
    if (finished.totalsRow !== undefined && totals !== undefined) {
      const merged = new Aggregates(totals.columns);
      for (const chunk of chunks) merged.merge(chunk);
      const { rowNumber, width, firstDataRow, lastDataRow, label } = finished.totalsRow;
      const out = new ByteBuffer(1024);
      new RowRenderer(part.layout).renderRows(packRows([totals.row(merged.values, width, columnLetters, firstDataRow, lastDataRow, label)]), rowNumber, out);
      tail = { ...tail, lastRowXml: out.view().toString('utf8') };
    }
    part.aggregates.length = 0;
    const filter = this.#autoFilterColumns() > 0 ? { columns: this.#autoFilterColumns(), lastRow, headerRow: this.#top + 1 } : undefined;
    return worksheetEpilogue(filter, tail);
  }

  /** The last rows of this chunk, whose rendering is the dictionary for the next one. */
  #overlapOf(part: Part): Part['overlap'] {
    if (!this.#book.options.primeDictionary) return { packed: undefined, firstRow: 1 };
    const { rows, start } = part.chunk.overlap(part.bytesPerRowEstimate);
    return { packed: rows, firstRow: part.chunkFirstRow + start };
  }

  #prologue(part: Part, firstRows: readonly Row[]): string {
    const columns = this.#options.columns ?? [];
    const estimated = estimateWidths(
      this.#headers,
      firstRows,
      columns.map((column) => column.width),
      columns.map((column, c) => (column.valueWidth === undefined ? undefined : column.valueWidth + (this.#shapes[c]?.affix ?? 0))),
      part.layout,
      this.#shapes,
    );
    const hidden = columns.map((column) => column.hidden === true);
    const widths = widenForTitle(estimated, hidden, columns.length, this.#title);
    const freezeHeader = this.#options.freezeHeader ?? this.#headers !== undefined;
    const shape = { widths, hidden, freezeHeader: freezeHeader && this.#headers !== undefined, headerRow: this.#top + 1, sheetPr: this.#features.sheetPr() };
    return worksheetPrologue(shape) + titleRowsXml(this.#title, this.#options.titleStyle, this.#book.styles, part.layout) + this.#headerXml(part);
  }

  #headerXml(part: Part): string {
    if (!this.#headers) return '';
    const look = this.#options.headerStyle ?? (this.#options.boldHeader ?? true ? { font: { bold: true } } : {});
    const style = styleAttribute(this.#book.styles.register('General', look));
    const layout: RenderLayout = {
      ...part.layout,
      columns: this.#headers.map((name) => ({ name, style, dateStyle: style, instants: false, dateWidth: 0 })),
    };
    const out = new ByteBuffer(1024);
    new RowRenderer(layout).renderRows(packRows([this.#headers]), this.#top + 1, out);
    return out.view().toString('utf8');
  }

  /** The part's table, totals row, conditional formats and print setup, now that its last row is known. */
  #partEnding(lastRow: number): ReturnType<SheetFeatures['finishPart']> {
    const headers = this.#headers ?? [];
    const tableId = this.#features.isTable && headers.length > 0 ? this.#book.nextTableId() : 0;
    const ending = this.#features.finishPart(headers, this.#top + 1, lastRow, tableId);
    const mergeCells = titleMergeXml(this.#top, this.#options.columns?.length ?? 0);
    return mergeCells === '' ? ending : { ...ending, tail: { ...ending.tail, mergeCells } };
  }

  /** A table has its own filter buttons; a sheet filter over it would be invalid. */
  #autoFilterColumns(): number {
    return this.#options.autoFilter && this.#headers && !this.#features.isTable ? this.#headers.length : 0;
  }

  #autoFilterRange(lastRow: number): string | undefined {
    const columns = this.#autoFilterColumns();
    return columns > 0 ? filterRange(columns, lastRow, this.#top + 1) : undefined;
  }
}

/** ` s="N"`, or '' for the default style 0. */
function styleAttribute(index: number): string {
  return index === 0 ? '' : ` s="${index}"`;
}

/** A column's look, or undefined when it has none (its cells keep the plain styles). */
function lookOf(column: ColumnOptions): CellLook | undefined {
  const { font, fill, align, wrap } = column;
  if (font === undefined && fill === undefined && align === undefined && wrap === undefined) return undefined;
  return { font, fill, align, wrap };
}
