/**
 * `csv:<path>[?delimiter=;][&types=name:kind,…]` source: a CSV file with a header row, parsed as a stream
 * (csv-parse). Columns named in `types` are converted to that kind (integer, number, decimal,
 * text, boolean, date, time, datetime) and a value that does not fit is an error naming the
 * line; other columns are inferred per value: a canonical number text that survives a double
 * becomes a number, anything else stays text (so `007` and 20-digit ids keep their digits).
 * The delimiter is `,` unless `delimiter=` names another (`;`, `|`, `tab`). The file is the result: a CSV source
 * takes no SQL and no parameters.
 */
import { createReadStream, existsSync } from 'node:fs';
import type { ReadStream } from 'node:fs';
import { parse, type InfoRecord, type Options, type Parser } from 'csv-parse';
import { SheetpipeError } from '../errors.js';
import type { CellValue } from '../xlsx/types.js';
import { BATCH_ROWS, BatchCursor } from './cursor.js';
import { instantMapper, type InstantMapper } from './datetime.js';
import { csvColumn, CSV_KINDS, type CsvKind } from './csv-types.js';
import { OpenCursors } from './open-cursors.js';
import type { QueryCursor, QueryRequest, Source, SourceColumn } from './types.js';

interface CsvUrl {
  readonly path: string;
  readonly types: ReadonlyMap<string, CsvKind>;
  readonly delimiter: string;
}

/** Delimiters by how they are written in the URL; a tab cannot be typed there, so it has a name. */
const DELIMITERS: Readonly<Record<string, string>> = { ',': ',', ';': ';', '|': '|', tab: '\t', '%09': '\t', '\t': '\t' };

function badUrl(url: string, reason: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SOURCE_URL', [JSON.stringify(url), reason]);
}

/** Splits `csv:<path>[?delimiter=…][&types=…]`; SHEETPIPE_ERR_SOURCE_URL for an unknown key or a malformed value. */
export function parseCsvUrl(url: string): CsvUrl {
  let path = url.slice('csv:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  const types = new Map<string, CsvKind>();
  // The options start at the last `?` followed by a known key: a path may itself contain `?`.
  const query = /\?(?=(?:types|delimiter)=)(?!.*\?(?:types|delimiter)=)/.exec(path)?.index ?? -1;
  if (query < 0) return { path, types, delimiter: ',' };
  const options = path.slice(query + 1).split('&');
  path = path.slice(0, query);
  let delimiter = ',';
  for (const option of options) {
    const equals = option.indexOf('=');
    const key = option.slice(0, equals);
    const value = option.slice(equals + 1);
    if (key === 'delimiter') {
      const known = DELIMITERS[value];
      if (known === undefined) throw badUrl(url, `delimiter ${JSON.stringify(value)} is not one of , ; | tab`);
      delimiter = known;
    } else if (key === 'types') {
      parseTypes(url, value, types);
    } else {
      throw badUrl(url, `unknown option ${JSON.stringify(option)} (expected delimiter= or types=)`);
    }
  }
  return { path, types, delimiter };
}

function parseTypes(url: string, spec: string, types: Map<string, CsvKind>): void {
  for (const entry of spec.split(',')) {
    const colon = entry.lastIndexOf(':');
    const name = colon < 0 ? '' : decodeURIComponent(entry.slice(0, colon));
    const kind = entry.slice(colon + 1);
    if (name === '' || !(CSV_KINDS as readonly string[]).includes(kind)) {
      throw badUrl(url, `column type ${JSON.stringify(entry)} is not NAME:KIND with KIND one of ${CSV_KINDS.join(', ')}`);
    }
    types.set(name, kind as CsvKind);
  }
}

export class CsvSource implements Source {
  readonly kind = 'csv';
  readonly #url: CsvUrl;
  readonly #open = new OpenCursors<CsvCursor>();

  private constructor(url: CsvUrl) {
    this.#url = url;
  }

  /** SHEETPIPE_ERR_SOURCE_NOT_FOUND when the file does not exist. */
  static open(url: string): CsvSource {
    const parsed = parseCsvUrl(url);
    if (parsed.path === '' || !existsSync(parsed.path)) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_NOT_FOUND', [JSON.stringify(parsed.path)]);
    return new CsvSource(parsed);
  }

  /** @internal */
  forget(cursor: CsvCursor): void {
    this.#open.forget(cursor);
  }

  /**
   * The header row's columns (see Source.describe): declared kinds from `types=`, `unknown` for the inferred ones,
   * whose kind each value decides. Reads the file only up to the header.
   */
  async describe(request: QueryRequest): Promise<readonly SourceColumn[]> {
    const file = createReadStream(this.#url.path);
    const parser = parse({ bom: true, skip_empty_lines: true, delimiter: this.#url.delimiter, to: 1, info: true });
    file.on('error', (error) => parser.destroy(error));
    try {
      for await (const { record, info } of file.pipe(parser) as AsyncIterable<{ record: string[]; info: InfoRecord }>) {
        return headerColumns(this.#url, record, info, instantMapper(request.timeZone)).map((m) => m.column);
      }
      return []; // an empty file: no header, no columns
    } catch (error) {
      throw csvFailure(this.#url, error);
    } finally {
      file.destroy();
      parser.destroy();
    }
  }

  async query(request: QueryRequest): Promise<QueryCursor> {
    return this.#open.start(new CsvCursor(this, this.#url, instantMapper(request.timeZone), request.signal));
  }

  async close(): Promise<void> {
    await this.#open.closeAll();
  }
}

function csvFailure(url: CsvUrl, error: unknown): SheetpipeError {
  if (error instanceof SheetpipeError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return new SheetpipeError('SHEETPIPE_ERR_SOURCE_NOT_FOUND', [JSON.stringify(url.path)], { cause: error });
  const line = (error as { lines?: number }).lines ?? '?';
  return new SheetpipeError('SHEETPIPE_ERR_SOURCE_CSV', [JSON.stringify(url.path), line, (error as Error).message], { cause: error });
}

/** The columns of a header row; SHEETPIPE_ERR_SOURCE_CSV when `types=` names a column the header does not have. */
function headerColumns(url: CsvUrl, header: readonly string[], context: InfoRecord, mapInstant: InstantMapper): ReturnType<typeof csvColumn>[] {
  for (const name of url.types.keys()) {
    if (!header.includes(name)) {
      throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_CSV', [JSON.stringify(url.path), context.lines, `types= names column ${JSON.stringify(name)}, which the header row does not have`]);
    }
  }
  return header.map((name) => csvColumn(name, url.types.get(name), mapInstant));
}

class CsvCursor extends BatchCursor {
  readonly #source: CsvSource;
  readonly #url: CsvUrl;
  readonly #mapInstant: InstantMapper;
  #file: ReadStream | undefined;
  #parser: Parser | undefined;
  #header = true;
  #records: AsyncIterator<CellValue[]> | undefined;
  #first: CellValue[] | undefined;

  constructor(source: CsvSource, url: CsvUrl, mapInstant: InstantMapper, signal: AbortSignal | undefined) {
    super(signal);
    this.#source = source;
    this.#url = url;
    this.#mapInstant = mapInstant;
  }

  /**
   * Converts each record inside the parser, where its line number is known: the header row
   * sets the columns and is dropped, every later record is converted in place.
   */
  #onRecord(record: string[], context: InfoRecord): CellValue[] | undefined {
    if (this.#header) {
      this.#header = false;
      this.#setColumns(record, context);
      return undefined;
    }
    const row = record as CellValue[];
    let c = 0;
    try {
      for (; c < record.length; c++) {
        const value = record[c] as string;
        row[c] = value === '' ? null : (this.converters[c] as (text: string) => CellValue)(value);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_CSV', [JSON.stringify(this.#url.path), context.lines, `column ${JSON.stringify(this.columns[c]?.name)}: ${message}`], { cause: error });
    }
    return row;
  }

  #setColumns(header: string[], context: InfoRecord): void {
    const mapped = headerColumns(this.#url, header, context, this.#mapInstant);
    this.columns = mapped.map((m) => m.column);
    this.converters = mapped.map((m) => m.converter);
  }

  protected async open(): Promise<void> {
    const file = createReadStream(this.#url.path);
    // on_record returns converted cells, which csv-parse's typings (string records) do not model.
    const onRecord = ((record: string[], context: InfoRecord) => this.#onRecord(record, context)) as unknown as Options['on_record'];
    const parser = parse({ bom: true, skip_empty_lines: true, delimiter: this.#url.delimiter, on_record: onRecord });
    file.on('error', (error) => parser.destroy(error));
    this.#file = file;
    this.#parser = file.pipe(parser);
    this.#records = this.#parser[Symbol.asyncIterator]() as AsyncIterator<CellValue[]>;
    try {
      const first = await this.#records.next();
      if (!first.done) this.#first = first.value;
      else this.#records = undefined;
    } catch (error) {
      throw csvFailure(this.#url, error);
    }
  }

  protected async read(): Promise<unknown[][] | undefined> {
    const records = this.#records;
    if (records === undefined) return undefined;
    const batch: CellValue[][] = [];
    if (this.#first !== undefined) batch.push(this.#first);
    this.#first = undefined;
    try {
      while (batch.length < BATCH_ROWS) {
        const next = await records.next();
        if (next.done) {
          this.#records = undefined;
          break;
        }
        batch.push(next.value);
      }
    } catch (error) {
      throw csvFailure(this.#url, error);
    }
    return batch.length === 0 ? undefined : batch;
  }

  /** Records are converted by the parser (see #onRecord). */
  protected override map(rows: unknown[][]): CellValue[][] {
    return rows as CellValue[][];
  }

  protected async cancelOnServer(): Promise<void> {
    this.#file?.destroy();
    this.#parser?.destroy();
  }

  protected async release(): Promise<void> {
    this.#source.forget(this);
    this.#file?.destroy();
    this.#parser?.destroy();
    this.#records = undefined;
  }
}
