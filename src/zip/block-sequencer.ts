import { crc32Combine } from './crc32.js';
import type { ZipWriter } from './zip-writer.js';

/** A raw-deflate block that ends with a sync flush, with the CRC-32 and length of its uncompressed bytes. */
export interface DeflateBlock {
  readonly data: Uint8Array;
  readonly crc: number;
  readonly rawLength: number;
}

/** One zip entry whose data arrives as a sequence of blocks. */
export interface BlockEntry {
  readonly path: string;
  /** Decides ZIP64 for the entry's local header once its first block is known. */
  mayExceed4GiB(firstBlock: DeflateBlock, firstBlockRows: number): boolean;
}

interface Pending {
  readonly block: Promise<DeflateBlock>;
  readonly entry: BlockEntry;
  readonly first: boolean;
  readonly last: boolean;
  readonly rows: number;
}

// A final, empty fixed-Huffman block (BFINAL=1): closes a stream of sync-flushed blocks.
const FINAL_BLOCK = Uint8Array.of(0x03, 0x00);

/**
 * The ordered merge: blocks are compressed in parallel but written strictly in the order they were pushed,
 * concatenated into one deflate stream per entry, their CRC-32s combined. At most `maxInFlight` blocks are
 * outstanding; `push` waits beyond that, which is what gives the whole writer its backpressure.
 */
export class BlockSequencer {
  readonly #zip: ZipWriter;
  #maxInFlight: number;
  readonly #onWritten: (rows: number) => void;
  readonly #queue: Pending[] = [];
  #crc = 0;
  #rawLength = 0;
  // Writes are serialised: two sheets' pushes may wait at once, and each head must be written exactly once.
  #writing: Promise<void> = Promise.resolve();

  constructor(zip: ZipWriter, maxInFlight: number, onWritten: (rows: number) => void) {
    this.#zip = zip;
    this.#maxInFlight = maxInFlight;
    this.#onWritten = onWritten;
  }

  /**
   * Changes how many blocks may be outstanding; a lower limit holds the next push until the excess is written (under
   * memory pressure the writer keeps fewer chunks, and so fewer render threads, busy).
   */
  setMaxInFlight(maxInFlight: number): void {
    this.#maxInFlight = Math.max(1, maxInFlight);
  }

  async push(entry: BlockEntry, block: Promise<DeflateBlock>, first: boolean, last: boolean, rows: number): Promise<void> {
    // The rejection is observed when this block reaches the head; until then keep it from counting as unhandled.
    block.catch(() => undefined);
    this.#queue.push({ block, entry, first, last, rows });
    while (this.#queue.length > this.#maxInFlight) await this.#advance();
  }

  async drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#advance();
  }

  #advance(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#writeHead());
    return this.#writing;
  }

  async #writeHead(): Promise<void> {
    const head = this.#queue[0];
    if (!head) return;
    const block = await head.block;
    if (head.first) {
      this.#crc = 0;
      this.#rawLength = 0;
      await this.#zip.beginEntry(head.entry.path, head.entry.mayExceed4GiB(block, head.rows));
    }
    await this.#zip.writeData(block.data);
    this.#crc = this.#rawLength === 0 ? block.crc : crc32Combine(this.#crc, block.crc, block.rawLength);
    this.#rawLength += block.rawLength;
    if (head.last) {
      await this.#zip.writeData(FINAL_BLOCK);
      await this.#zip.endEntry(this.#crc, this.#rawLength);
    }
    this.#queue.shift();
    this.#onWritten(head.rows);
  }

  /** Outstanding blocks are abandoned (their workers are being destroyed). */
  clear(): void {
    this.#queue.length = 0;
  }
}
