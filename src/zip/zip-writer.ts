import type { Writable } from 'node:stream';
import { SheetpipeError } from '../errors.js';
import { writeToSink } from './sink.js';

/**
 * A streaming ZIP writer (APPNOTE 6.3.x): every entry is written as local header → data → data descriptor, so no
 * entry is ever held whole in memory and the sink need not be seekable.
 *
 * ZIP64 is used only where needed, the way Excel accepts it:
 * - an entry that may pass 4 GiB must say so *before* its data (version 4.5 and a ZIP64 extra field in its local
 *   header); the caller decides that per entry, from a size hint, and may force it for tests;
 * - the ZIP64 end-of-central-directory record and locator are written only when an offset, size or count really
 *   overflows (or when forced): an unneeded one makes Excel and LibreOffice refuse the file.
 */

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END_OF_CENTRAL = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const METHOD_DEFLATE = 8;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

export interface ZipOptions {
  /** Modification time stamped on every entry (DOS time, local fields taken as UTC). */
  readonly modified: Date;
  /** Force ZIP64 records everywhere (tests); by default only where needed. */
  readonly forceZip64?: boolean;
}

export interface ZipEntry {
  readonly name: Buffer;
  /** 8 (deflate) for entries this writer compresses; a copied entry keeps its own (copyEntry). */
  readonly method: number;
  readonly offset: number;
  readonly zip64: boolean;
  compressedSize: number;
  crc: number;
  uncompressedSize: number;
}

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107);
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

export class ZipWriter {
  readonly #sink: Writable;
  readonly #entries: ZipEntry[] = [];
  readonly #dos: { time: number; date: number };
  readonly #forceZip64: boolean;
  #offset = 0;
  #current: ZipEntry | undefined;

  constructor(sink: Writable, options: ZipOptions) {
    this.#sink = sink;
    this.#dos = dosDateTime(options.modified);
    this.#forceZip64 = options.forceZip64 ?? false;
  }

  /** Bytes written to the sink so far. */
  get bytesWritten(): number {
    return this.#offset;
  }

  async #write(data: Uint8Array): Promise<void> {
    this.#offset += data.length;
    await writeToSink(this.#sink, data);
  }

  /** Starts a deflated entry; `mayExceed4GiB` puts the ZIP64 extra field in its local header. */
  async beginEntry(path: string, mayExceed4GiB: boolean, method = METHOD_DEFLATE): Promise<void> {
    if (this.#current) throw new Error(`zip entry ${this.#current.name.toString()} is still open`);
    const zip64 = mayExceed4GiB || this.#forceZip64;
    const name = Buffer.from(path, 'utf8');
    const extra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(16, 2); // original and compressed size, both 0 until the data descriptor
    }
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
    header.writeUInt16LE(FLAG_DATA_DESCRIPTOR | FLAG_UTF8, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(this.#dos.time, 10);
    header.writeUInt16LE(this.#dos.date, 12);
    // CRC and sizes follow in the data descriptor; ZIP64 marks the sizes as "in the extra field".
    header.writeUInt32LE(zip64 ? MAX32 : 0, 18);
    header.writeUInt32LE(zip64 ? MAX32 : 0, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(extra.length, 28);
    this.#current = { name, method, offset: this.#offset, zip64, compressedSize: 0, crc: 0, uncompressedSize: 0 };
    await this.#write(Buffer.concat([header, name, extra]));
  }

  /** Appends compressed bytes to the open entry. */
  async writeData(data: Uint8Array): Promise<void> {
    const entry = this.#requireEntry();
    entry.compressedSize += data.length;
    await this.#write(data);
  }

  async endEntry(crc: number, uncompressedSize: number): Promise<void> {
    const entry = this.#requireEntry();
    entry.crc = crc >>> 0;
    entry.uncompressedSize = uncompressedSize;
    if (!entry.zip64 && (uncompressedSize >= MAX32 || entry.compressedSize >= MAX32)) {
      throw new SheetpipeError('SHEETPIPE_ERR_ZIP_ENTRY_TOO_LARGE', [entry.name.toString()]);
    }
    const descriptor = Buffer.alloc(entry.zip64 ? 24 : 16);
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(entry.crc, 4);
    if (entry.zip64) {
      descriptor.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
      descriptor.writeBigUInt64LE(BigInt(uncompressedSize), 16);
    } else {
      descriptor.writeUInt32LE(entry.compressedSize, 8);
      descriptor.writeUInt32LE(uncompressedSize, 12);
    }
    this.#entries.push(entry);
    this.#current = undefined;
    await this.#write(descriptor);
  }

  /**
   * Copies another archive's entry as it is stored (its compressed bytes, method and CRC), without inflating or
   * recompressing it: a template's untouched parts cost one read and one write.
   */
  async copyEntry(path: string, stored: { method: number; crc: number; compressedSize: number; uncompressedSize: number }, data: AsyncIterable<Uint8Array>): Promise<void> {
    await this.beginEntry(path, stored.compressedSize >= MAX32 || stored.uncompressedSize >= MAX32, stored.method);
    for await (const chunk of data) await this.writeData(chunk);
    await this.endEntry(stored.crc, stored.uncompressedSize);
  }

  #requireEntry(): ZipEntry {
    if (!this.#current) throw new Error('no zip entry is open');
    return this.#current;
  }

  /** Writes the central directory and end records. */
  async finish(): Promise<void> {
    if (this.#current) throw new Error(`zip entry ${this.#current.name.toString()} is still open`);
    const centralOffset = this.#offset;
    const headers = this.#entries.map((entry) => this.#centralHeader(entry));
    const central = Buffer.concat(headers);
    const centralSize = central.length;
    const count = this.#entries.length;
    const needsZip64End = this.#forceZip64 || count >= MAX16 || centralOffset >= MAX32 || centralSize >= MAX32;
    const parts: Buffer[] = [central];
    if (needsZip64End) {
      const zip64EndOffset = centralOffset + centralSize;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(ZIP64_END_OF_CENTRAL, 0);
      record.writeBigUInt64LE(44n, 4); // size of the rest of this record
      record.writeUInt16LE(VERSION_ZIP64, 12);
      record.writeUInt16LE(VERSION_ZIP64, 14);
      record.writeUInt32LE(0, 16);
      record.writeUInt32LE(0, 20);
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(centralSize), 40);
      record.writeBigUInt64LE(BigInt(centralOffset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(ZIP64_LOCATOR, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
      locator.writeUInt32LE(1, 16);
      parts.push(record, locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL, 0);
    end.writeUInt16LE(Math.min(count, MAX16), 8);
    end.writeUInt16LE(Math.min(count, MAX16), 10);
    end.writeUInt32LE(needsZip64End ? MAX32 : centralSize, 12);
    end.writeUInt32LE(needsZip64End ? MAX32 : centralOffset, 16);
    parts.push(end);
    await this.#write(Buffer.concat(parts));
  }

  /**
   * The central record carries ZIP64 fields only for values that overflow (or when forced): LibreOffice refuses an
   * entry whose central record has an unneeded ZIP64 extra, even though its local header may have one.
   */
  #centralHeader(entry: ZipEntry): Buffer {
    const force = this.#forceZip64;
    const sizes64 = force || entry.uncompressedSize >= MAX32 || entry.compressedSize >= MAX32;
    const offset64 = force || entry.offset >= MAX32;
    const values: number[] = [];
    if (sizes64) values.push(entry.uncompressedSize, entry.compressedSize);
    if (offset64) values.push(entry.offset);
    const extra = Buffer.alloc(values.length > 0 ? 4 + values.length * 8 : 0);
    if (values.length > 0) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(values.length * 8, 2);
      values.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + i * 8));
    }
    const version = values.length > 0 || entry.zip64 ? VERSION_ZIP64 : VERSION_DEFAULT;
    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(version, 4);
    header.writeUInt16LE(version, 6);
    header.writeUInt16LE(FLAG_DATA_DESCRIPTOR | FLAG_UTF8, 8);
    header.writeUInt16LE(entry.method, 10);
    header.writeUInt16LE(this.#dos.time, 12);
    header.writeUInt16LE(this.#dos.date, 14);
    header.writeUInt32LE(entry.crc, 16);
    header.writeUInt32LE(sizes64 ? MAX32 : entry.compressedSize, 20);
    header.writeUInt32LE(sizes64 ? MAX32 : entry.uncompressedSize, 24);
    header.writeUInt16LE(entry.name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(offset64 ? MAX32 : entry.offset, 42);
    return Buffer.concat([header, entry.name, extra]);
  }
}
