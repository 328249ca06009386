import { MAX_THREADS, MIN_THREADS } from './threads.js';
import { resolve } from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { SheetpipeError, isSheetpipeError } from '../errors.js';
import { BlockSequencer, type BlockEntry, type DeflateBlock } from '../zip/block-sequencer.js';
import { openOutput } from '../util/open-output.js';
import type { Output } from '../util/output.js';
import { ZipWriter } from '../zip/zip-writer.js';
import { MAX_ROWS } from './cell-ref.js';
import { RenderPool } from './render-pool.js';
import { usableCpus } from '../util/cpu-quota.js';
import type { ChunkResult, ChunkTask } from './chunk-task.js';
import { contentTypesXml } from './content-types.js';
import { appPropertiesXml, corePropertiesXml, customPropertiesXml } from './doc-props.js';
import { DEFAULT_DATETIME_CODE } from './number-formats.js';
import { packageRelsXml, workbookRelsXml, worksheetRelsXml } from './rels.js';
import { packageManifest, tablePath, worksheetPath, worksheetRelsPath } from './package-manifest.js';
import { SharedStrings } from './shared-strings.js';
import { SheetNames } from './sheet-names.js';
import type { PartExtras } from './sheet-features.js';
import { SheetWriter } from './sheet-writer.js';
import { StyleRegistry } from './styles.js';
import { assertTimeZone } from './timezone.js';
import type { SheetOptions, WorkbookOptions, WorkbookTarget, WriteSummary } from './types.js';
import { workbookXml, type WorkbookSheet } from './workbook-part.js';
import type { ResolvedOptions, WorkbookContext } from './workbook-context.js';

const FIXED_TIME = new Date(Date.UTC(2000, 0, 1));
const FOUR_GIB = 2 ** 32;

interface PartRecord {
  name: string;
  filterRange: string | undefined;
  extras: PartExtras;
}

function invalid(name: string, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', [name, why]);
}

function intOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(name, `expected a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

function resolveOptions(options: WorkbookOptions): ResolvedOptions {
  const timeZone = options.timeZone ?? 'UTC';
  try {
    assertTimeZone(timeZone);
  } catch {
    throw invalid('timeZone', `unknown time zone ${JSON.stringify(timeZone)}`);
  }
  return {
    threads: intOption('threads', options.threads, Math.max(1, Math.min(16, usableCpus())), MIN_THREADS, MAX_THREADS),
    niceIncrement: intOption('niceIncrement', options.niceIncrement, 0, 0, 19),
    level: intOption('level', options.level, 1, 1, 9),
    timeZone,
    truncateLongText: options.truncateLongText ?? false,
    chunkRows: intOption('chunkRows', options.chunkRows, 4096, 64, 1_000_000),
    chunkBytes: 1024 * 1024,
    primeDictionary: options.primeDictionary ?? true,
    expectedRows: options.sizeHint?.rows,
  };
}

/**
 * Streams a workbook to a file or any Writable. Sheets are written one after another; rows are rendered and
 * compressed on worker threads and merged in order, so memory is bounded by chunk size × workers.
 *
 * @example
 * const book = new XlsxWriter('report.xlsx', { threads: 2 });
 * const sheet = book.addSheet('Orders', { columns: [{ header: 'id' }, { header: 'amount', format: 'decimal' }] });
 * await sheet.addBatch([[1, 9.5], [2, 12]]);
 * await book.close();
 *
 * @throws SheetpipeError SHEETPIPE_ERR_XLSX_* for invalid sheets, values and options; SHEETPIPE_ERR_ZIP_SINK or
 *   SHEETPIPE_ERR_PIPELINE_OUTPUT when the output fails; SHEETPIPE_ERR_XLSX_ABORTED after an abort.
 */
export class XlsxWriter {
  readonly #options: ResolvedOptions;
  readonly #workbookOptions: WorkbookOptions;
  readonly #target: Output;
  /** The target's path, for path targets: failures name it. */
  readonly #path: string | undefined;
  readonly #zip: ZipWriter;
  readonly #sequencer: BlockSequencer;
  readonly #styles = new StyleRegistry();
  readonly #sharedStrings: SharedStrings;
  readonly #names = new SheetNames();
  readonly #parts: PartRecord[] = [];
  readonly #created: Date;
  readonly #defaultDateStyle: string;
  #pool: RenderPool | undefined;
  #current: SheetWriter | undefined;
  #pendingEnd: Promise<void> = Promise.resolve();
  #state: 'open' | 'closing' | 'closed' | 'failed' = 'open';
  readonly #stopPressure: (() => void) | undefined;
  #failure: unknown;
  /** Settles once a failed workbook's workers are stopped and its output discarded. */
  #failing: Promise<void> = Promise.resolve();
  #rowsWritten = 0;
  #usedFormula = false;
  #layoutKeys = 0;
  #tables = 0;

  constructor(target: WorkbookTarget, options: WorkbookOptions = {}) {
    this.#options = resolveOptions(options);
    this.#workbookOptions = options;
    this.#sharedStrings = new SharedStrings(intOption('sharedStringsLimit', options.sharedStringsLimit, 65_536, 0, 10_000_000));
    this.#created = options.properties?.created ?? (options.deterministic ? FIXED_TIME : new Date());
    this.#defaultDateStyle = ` s="${this.#styles.register(DEFAULT_DATETIME_CODE)}"`;
    this.#target = openOutput(target);
    this.#path = typeof target === 'string' ? resolve(target) : undefined;
    this.#zip = new ZipWriter(this.#target.stream, {
      modified: options.deterministic ? FIXED_TIME : this.#created,
      forceZip64: options.zip64 === 'always',
    });
    this.#sequencer = new BlockSequencer(this.#zip, this.#inFlightFor(options.pressure?.degraded === true), (rows) => this.#progress(rows));
    this.#stopPressure = options.pressure?.onChange((degraded) => this.#sequencer.setMaxInFlight(this.#inFlightFor(degraded)));
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) void this.abort(signal.reason);
      else signal.addEventListener('abort', () => void this.abort(signal.reason), { once: true });
    }
  }

  /** Blocks outstanding: two per thread, or one under memory pressure (one render thread busy, nothing queued). */
  #inFlightFor(degraded: boolean): number {
    return degraded ? 1 : this.#options.threads * 2;
  }

  /** Bytes written to the output so far. */
  get bytesWritten(): number {
    return this.#zip.bytesWritten;
  }

  /** Starts a new sheet; the previous one is finished. Throws for an invalid or duplicate name. */
  addSheet(name: string, options: SheetOptions = {}): SheetWriter {
    this.#assertOpen();
    this.#names.add(name);
    if (this.#current && !this.#current.ended) {
      const ending = this.#guard(this.#current.end());
      ending.catch(() => undefined);
      this.#pendingEnd = ending;
    }
    const sheet = new SheetWriter(this.#context(), name, options);
    this.#current = sheet;
    return sheet;
  }

  /** Finishes the last sheet and the package, flushes the output and (for a path) renames it into place. */
  async close(): Promise<WriteSummary> {
    await this.#failing;
    this.#assertOpen();
    if (this.#parts.length === 0) this.addSheet('Sheet1');
    this.#state = 'closing';
    await this.#guard(this.#finish());
    this.#state = 'closed';
    this.#stopPressure?.();
    return { rows: this.#rowsWritten, bytes: this.#zip.bytesWritten, sheets: this.#parts.map((part) => part.name) };
  }

  /** Stops the workers, discards the output (a path's temp file is removed) and fails every pending call. */
  async abort(reason?: unknown): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    const message = reason instanceof Error ? reason.message : String(reason ?? 'aborted');
    await this.#fail(new SheetpipeError('SHEETPIPE_ERR_XLSX_ABORTED', [message], { cause: reason }));
  }

  async #finish(): Promise<void> {
    await this.#current?.end();
    await this.#pendingEnd;
    await this.#sequencer.drain();
    await this.#pool?.destroy();
    this.#pool = undefined;
    await this.#writePackageParts();
    await this.#zip.finish();
    await this.#target.commit();
  }

  async #writePackageParts(): Promise<void> {
    const custom = this.#workbookOptions.customProperties ?? {};
    const hasCustom = Object.keys(custom).length > 0;
    const hasShared = this.#sharedStrings.size > 0;
    const tables = this.#parts.flatMap((part, index) => (part.extras.table === undefined ? [] : [{ ...part.extras.table, sheet: index + 1 }]));
    const manifest = packageManifest({ sheetCount: this.#parts.length, sharedStrings: hasShared, customProperties: hasCustom, tables });
    const sheets: WorkbookSheet[] = this.#parts.map((part) => ({
      name: part.name,
      ...(part.filterRange ? { filterRange: part.filterRange } : {}),
      ...(part.extras.printTitles ? { printTitles: part.extras.printTitles } : {}),
    }));
    for (const table of tables) {
      await this.#writePart(tablePath(table.id), [table.xml]);
      await this.#writePart(worksheetRelsPath(table.sheet), [worksheetRelsXml(manifest, table.sheet)]);
    }
    if (hasShared) await this.#writePart('xl/sharedStrings.xml', this.#sharedStrings.xmlPieces());
    await this.#writePart('xl/styles.xml', [this.#styles.toXml()]);
    await this.#writePart('xl/workbook.xml', [workbookXml(sheets, this.#usedFormula)]);
    await this.#writePart('xl/_rels/workbook.xml.rels', [workbookRelsXml(manifest)]);
    await this.#writePart('docProps/core.xml', [corePropertiesXml(this.#workbookOptions.properties ?? {}, this.#created)]);
    await this.#writePart('docProps/app.xml', [appPropertiesXml(sheets.map((sheet) => sheet.name))]);
    if (hasCustom) await this.#writePart('docProps/custom.xml', [customPropertiesXml(custom)]);
    await this.#writePart('_rels/.rels', [packageRelsXml(manifest)]);
    await this.#writePart('[Content_Types].xml', [contentTypesXml(manifest)]);
  }

  /** A small part, compressed here piece by piece with sync flushes, so even a large string table streams. */
  async #writePart(path: string, pieces: Iterable<string>): Promise<void> {
    await this.#zip.beginEntry(path, false);
    let crc = 0;
    let length = 0;
    for (const piece of pieces) {
      const raw = Buffer.from(piece, 'utf8');
      crc = crc32(raw, crc);
      length += raw.length;
      await this.#zip.writeData(deflateRawSync(raw, { level: this.#options.level, finishFlush: constants.Z_SYNC_FLUSH }));
    }
    await this.#zip.writeData(Uint8Array.of(0x03, 0x00));
    await this.#zip.endEntry(crc, length);
  }

  #context(): WorkbookContext {
    return {
      options: this.#options,
      styles: this.#styles,
      sharedStrings: this.#sharedStrings,
      defaultDateStyle: this.#defaultDateStyle,
      nextLayoutKey: () => ++this.#layoutKeys,
      addPart: (name) => {
        this.#parts.push({ name, filterRange: undefined, extras: {} });
        const index = this.#parts.length;
        return { index, path: worksheetPath(index) };
      },
      finishPart: (index, filterRange, extras = {}) => {
        const part = this.#parts[index - 1] as PartRecord;
        part.filterRange = filterRange;
        part.extras = extras;
      },
      nextTableId: () => ++this.#tables,
      nextRolloverName: (base, n) => {
        const next = this.#names.nextRollover(base, n);
        this.#names.add(next.name);
        return next.name;
      },
      assertWritable: (sheet) => {
        this.#assertOpen();
        if (sheet !== this.#current || sheet.ended) {
          throw new SheetpipeError('SHEETPIPE_ERR_XLSX_SHEET_NOT_CURRENT', [JSON.stringify(sheet.name)]);
        }
      },
      submit: (task, path, first, last, rows, onResult) => this.#guard(this.#submit(task, path, first, last, rows, onResult)),
    };
  }

  #submit(task: ChunkTask | Promise<ChunkTask>, path: string, first: boolean, last: boolean, rows: number, onResult?: (result: Promise<ChunkResult>) => void): Promise<void> {
    // A chunk that comes after a failure (its producer resumed from a wait) must not start a pool nobody destroys.
    if (this.#state === 'failed') return Promise.reject(this.#failure);
    const pool = (this.#pool ??= new RenderPool(this.#options.threads, this.#options.niceIncrement));
    const result = task instanceof Promise ? task.then((ready) => pool.run(ready)) : pool.run(task);
    onResult?.(result);
    const block = result.then((result) => {
      if (result.usedFormula) this.#usedFormula = true;
      return result as DeflateBlock;
    });
    return this.#sequencer.push(this.#entryFor(path), block, first, last, rows);
  }

  #entryFor(path: string): BlockEntry {
    const expected = Math.min(this.#options.expectedRows ?? MAX_ROWS, MAX_ROWS);
    return {
      path,
      // Decided from the first block's bytes per row: 25 % headroom over the projected size.
      mayExceed4GiB: (block, blockRows) => (block.rawLength / Math.max(1, blockRows)) * expected * 1.25 >= FOUR_GIB,
    };
  }

  #progress(rows: number): void {
    this.#rowsWritten += rows;
    this.#workbookOptions.onProgress?.({ rows: this.#rowsWritten, bytes: this.#zip.bytesWritten, sheets: this.#parts.length });
  }

  #assertOpen(): void {
    if (this.#state === 'failed') throw this.#failure;
    if (this.#state !== 'open') throw new SheetpipeError('SHEETPIPE_ERR_XLSX_CLOSED');
  }

  /** Any failure fails the whole workbook once: workers stop, the output is discarded, callers get the first error. */
  async #guard<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      // Work that settled after an abort (e.g. a push whose queue the failure cleared) must not let its caller go on.
      if (this.#state === 'failed') throw this.#failure;
      return result;
    } catch (error) {
      if (this.#state !== 'failed') void this.#fail(this.#describeFailure(error));
      // Callers see the failure only once nothing is left behind (no temp file, no worker).
      await this.#failing;
      throw this.#failure;
    }
  }

  #describeFailure(error: unknown): unknown {
    if (this.#path && isSheetpipeError(error, 'SHEETPIPE_ERR_ZIP_SINK')) {
      // The file's own error already names the path and says what went wrong.
      if (isSheetpipeError(error.cause, 'SHEETPIPE_ERR_PIPELINE_OUTPUT')) return error.cause;
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [this.#path, cause], { cause: error });
    }
    return error;
  }

  #fail(error: unknown): Promise<void> {
    if (this.#state === 'failed') return this.#failing;
    this.#state = 'failed';
    this.#stopPressure?.();
    this.#failure = error;
    this.#sequencer.clear();
    const pool = this.#pool;
    this.#pool = undefined;
    this.#failing = Promise.allSettled([pool?.destroy(), this.#target.discard(error)]).then(() => undefined);
    return this.#failing;
  }
}
