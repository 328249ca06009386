/**
 * Background flush of the latency ring to a rotating binary file (latency-file.ts), off the request
 * path: an unref'd timer drains the ring in 256 KiB chunks and appends them with async fs. Each file's
 * header holds the route table, so a new file is started when the table grows and when an old file is
 * found at start. close() stops the timer and flushes what is left.
 */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SheetpipeError } from '../errors.js';
import { monotonicNs } from './clock.js';
import { assertLittleEndian, encodeHeader } from './latency-file.js';
import { RECORD_BYTES, RECORD_WORDS, RecordView } from './latency-record.js';
import type { LatencyRing } from './latency-ring.js';
import type { RouteTable } from './route-table.js';
import type { RuntimeMonitor } from './runtime-monitor.js';
import type { TailSampler } from './sampler.js';

export interface FlusherOptions {
  readonly ring: LatencyRing;
  readonly routes: RouteTable;
  /** The log file, e.g. `<storage.dir>/latency.bin`. */
  readonly path: string;
  /** Default 1000 ms. */
  readonly intervalMs?: number;
  /** Rotate before a file would pass this size. Default 64 MiB. */
  readonly rotateBytes?: number;
  /** Rotated files kept (`.1` … `.N`). Default 5. */
  readonly keepFiles?: number;
  /** Refines records with GC pauses / stalls reported after they were written. */
  readonly monitor?: RuntimeMonitor;
  /** Told the ring's overwritten count after each timed flush (automatic rate back-off). */
  readonly sampler?: TailSampler;
  /** Background flush failures; default: a process warning. */
  readonly onError?: (error: Error) => void;
}

const CHUNK_RECORDS = 4096;
const nextCheck = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class LatencyFlusher {
  readonly path: string;
  readonly #options: FlusherOptions;
  readonly #chunk = new Uint32Array(CHUNK_RECORDS * RECORD_WORDS);
  readonly #view = new RecordView(this.#chunk);
  readonly #rotateBytes: number;
  readonly #keepFiles: number;
  #timer: NodeJS.Timeout | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #file: FileHandle | undefined;
  #fileBytes = 0;
  #headerBytes = 0;
  #fileRoutes = 0;
  #recordsWritten = 0;

  constructor(options: FlusherOptions) {
    assertLittleEndian(options.path);
    this.#options = options;
    this.path = options.path;
    this.#rotateBytes = options.rotateBytes ?? 64 * 1024 * 1024;
    this.#keepFiles = options.keepFiles ?? 5;
    if (!(this.#rotateBytes >= 64 * 1024)) throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['latencyLogRotateBytes', `${this.#rotateBytes} is below 65536`]);
    if (!Number.isInteger(this.#keepFiles) || this.#keepFiles < 0) throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['latencyLogKeepFiles', `${this.#keepFiles} is not an integer >= 0`]);
  }

  /** Records appended to files so far. */
  get recordsWritten(): number {
    return this.#recordsWritten;
  }

  start(): this {
    this.#timer ??= setInterval(() => {
      this.flush().then(
        () => this.#options.sampler?.adapt(this.#options.ring.overwritten),
        (error: Error) => (this.#options.onError ?? ((e: Error) => process.emitWarning(e)))(error),
      );
    }, this.#options.intervalMs ?? 1000).unref();
    return this;
  }

  /** Drains the ring and appends to the file; resolves with the records written. Calls run one after another. */
  flush(): Promise<number> {
    const run = this.#queue.then(() => this.#flushNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer, flushes the rest and closes the file. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
    await this.#queue;
    await this.#file?.close();
    this.#file = undefined;
  }

  async #flushNow(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = this.#options.ring.drainInto(this.#chunk, CHUNK_RECORDS);
      if (count === 0) return total;
      if (this.#options.monitor !== undefined) {
        // GC entries are delivered a check phase or two after the pause: let them land first.
        await nextCheck();
        await nextCheck();
        for (let i = 0; i < count; i++) this.#options.monitor.refine(this.#view.at(i));
      }
      await this.#append(new Uint8Array(this.#chunk.buffer, 0, count * RECORD_BYTES));
      total += count;
      this.#recordsWritten += count;
      if (count < CHUNK_RECORDS) return total;
    }
  }

  /** Appends whole records, starting a new file when the route table grew or the next record would pass rotateBytes. */
  async #append(bytes: Uint8Array): Promise<void> {
    if (this.#file === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      await this.#rotate(); // an existing file may have another route table: start a fresh one
    }
    let offset = 0;
    while (offset < bytes.length) {
      const room = Math.floor((this.#rotateBytes - this.#fileBytes) / RECORD_BYTES) * RECORD_BYTES;
      if (room === 0 && this.#fileBytes === this.#headerBytes) {
        throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['latencyLogRotateBytes', `${this.#rotateBytes} leaves no room after a ${this.#headerBytes}-byte header`]);
      }
      if (this.#fileRoutes !== this.#options.routes.size || room === 0) {
        await this.#file!.close();
        this.#file = undefined;
        await this.#rotate();
        continue;
      }
      const { bytesWritten } = await this.#file!.write(bytes, offset, Math.min(room, bytes.length - offset));
      offset += bytesWritten;
      this.#fileBytes += bytesWritten;
    }
  }

  /** Shifts `path` to `path.1` (and older ones up, dropping the last) and opens a new file with a header. */
  async #rotate(): Promise<void> {
    const ignoreMissing = (error: NodeJS.ErrnoException): void => {
      if (error.code !== 'ENOENT') throw error;
    };
    if (this.#keepFiles === 0) {
      await unlink(this.path).catch(ignoreMissing);
    } else {
      for (let i = this.#keepFiles - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(ignoreMissing);
      await rename(this.path, `${this.path}.1`).catch(ignoreMissing);
    }
    const file = await open(this.path, 'wx');
    const routes = this.#options.routes.names();
    const header = encodeHeader({
      createdEpochMs: Date.now(),
      createdMonotonicNs: monotonicNs(),
      thresholdMs: (this.#options.sampler?.thresholdNs ?? 5e6) / 1e6,
      routes,
    });
    await file.write(header);
    this.#file = file;
    this.#fileBytes = header.length;
    this.#headerBytes = header.length;
    this.#fileRoutes = routes.length;
  }
}
