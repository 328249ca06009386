import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { SheetpipeError } from '../errors.js';

/** One entry of the template's ZIP, as stored (compressed bytes are copied as they are). */
export interface TemplateEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly raw: yauzl.Entry;
}

/** A password-protected workbook is an OLE compound file (MS-OFFCRYPTO), not a ZIP: it starts with this signature. */
const COMPOUND_FILE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Small parts (workbook, tables, rels, charts, the target sheet) are read whole; a part past this is refused. */
const MAX_EDITED_PART = 256 * 1024 * 1024;

/**
 * The template's package, read through yauzl from its central directory: entries are listed up front, then each one
 * is either read as text (the parts that change) or streamed raw (everything else). Nothing is held beyond the part
 * being read.
 */
export class TemplatePackage {
  readonly entries: readonly TemplateEntry[];
  readonly #zip: yauzl.ZipFile;
  readonly #byName: Map<string, TemplateEntry>;

  private constructor(zip: yauzl.ZipFile, entries: TemplateEntry[]) {
    this.#zip = zip;
    this.entries = entries;
    this.#byName = new Map(entries.map((entry) => [entry.name, entry]));
  }

  /** Throws SHEETPIPE_ERR_TEMPLATE_NOT_FOUND, _ENCRYPTED or _NOT_XLSX. */
  static async open(path: string, label: string): Promise<TemplatePackage> {
    let head: Buffer;
    try {
      const file = await open(path, 'r');
      try {
        head = Buffer.alloc(8);
        await file.read(head, 0, 8, 0);
      } finally {
        await file.close();
      }
    } catch (error) {
      throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_NOT_FOUND', [label], { cause: error });
    }
    if (head.equals(COMPOUND_FILE)) throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_ENCRYPTED', [label]);
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true });
    } catch (error) {
      throw notXlsx(label, 'it is not a ZIP package', error);
    }
    try {
      const entries = await readEntries(zip, label);
      const pkg = new TemplatePackage(zip, entries);
      if (!pkg.has('[Content_Types].xml') || !pkg.has('xl/workbook.xml')) throw notXlsx(label, 'it has no xl/workbook.xml');
      return pkg;
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  entry(name: string): TemplateEntry | undefined {
    return this.#byName.get(name);
  }

  /** A part's text (UTF-8); throws SHEETPIPE_ERR_TEMPLATE_CORRUPT for a missing or oversized part. */
  async text(name: string): Promise<string> {
    const entry = this.#byName.get(name);
    if (!entry) throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_CORRUPT', [name, 'the part is missing']);
    if (entry.uncompressedSize > MAX_EDITED_PART) throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_CORRUPT', [name, 'the part is too large to edit']);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.#stream(entry, true)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The entry's stored (compressed) bytes. */
  raw(entry: TemplateEntry): Promise<Readable> {
    return this.#stream(entry, false);
  }

  async #stream(entry: TemplateEntry, decompress: boolean): Promise<Readable> {
    try {
      // yauzl 3: `decodeFileData: false` gives the stored bytes as they are, whatever the method.
      const options = decompress ? {} : ({ decodeFileData: false } as yauzl.ZipFileOptions);
      return await this.#zip.openReadStreamPromise(entry.raw, options);
    } catch (error) {
      throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_CORRUPT', [entry.name, error instanceof Error ? error.message : String(error)], { cause: error });
    }
  }

  /** Closes the template file; later calls do nothing (a failed fill and its caller may both close it). */
  close(): void {
    if (this.#zip.isOpen) this.#zip.close();
  }
}

function notXlsx(label: string, why: string, cause?: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_NOT_XLSX', [label, why], cause === undefined ? undefined : { cause });
}

function readEntries(zip: yauzl.ZipFile, label: string): Promise<TemplateEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: TemplateEntry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      // Bit 0: the entry itself is encrypted (ZIP-level encryption; Excel never writes it).
      if ((entry.generalPurposeBitFlag & 1) !== 0) {
        reject(new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_ENCRYPTED', [label]));
        return;
      }
      entries.push({
        name: entry.fileName,
        method: entry.compressionMethod,
        crc: entry.crc32,
        compressedSize: entry.compressedSize,
        uncompressedSize: entry.uncompressedSize,
        raw: entry,
      });
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: Error) => reject(notXlsx(label, error.message, error)));
    zip.readEntry();
  });
}
