import { Piscina } from 'piscina';
import { SheetpipeError } from '../errors.js';
import type { ChunkFailure, ChunkResult, ChunkTask } from './chunk-task.js';

// A CommonJS entry that imports chunk-worker.js (why: chunk-worker-entry.cts).
const WORKER_FILE = new URL('./chunk-worker-entry.cjs', import.meta.url).href;

/** The worker threads that render and compress chunks (piscina: a fixed pool, FIFO queue, transferable results). */
export class ChunkPool {
  readonly #pool: Piscina<ChunkTask, ChunkResult | ChunkFailure>;
  #destroyed = false;
  #closing: Promise<void> | undefined;
  /** A worker failure that belonged to no task; the next chunk fails with it. */
  #failure: Error | undefined;

  constructor(threads: number, niceIncrement = 0) {
    this.#pool = new Piscina({
      filename: WORKER_FILE,
      // Per-thread on Linux (piscina calls nice(2) in the worker through @napi-rs/nice).
      niceIncrement,
      minThreads: threads,
      maxThreads: threads,
      // Long exports keep their workers; an idle pool is destroyed by its writer anyway.
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
      // destroy() waits this long for the chunks being worked on before it terminates their workers anyway.
      closeTimeout: 30_000,
      // A worker's live data is one packed chunk (~0.5 MB) and the row being rendered; V8's default young generation
      // (up to 48 MB per isolate) only adds resident memory. Measured at 300k rows × 10 columns, 2 threads: peak RSS
      // 235 MiB → 198 MiB with 8 MB; with packed chunks, 1M PostgreSQL rows, 2 runs of each setting: 4 MB took 2–10 MB off, time unchanged.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    // piscina emits 'error' for what belongs to no task, and an unheard 'error' crashes the process. After destroy()
    // that is a result still in flight for a task it already failed (the writer has failed too): nothing to report.
    this.#pool.on('error', (error: Error) => {
      if (!this.#destroyed) this.#failure ??= error;
    });
  }

  async run(task: ChunkTask): Promise<ChunkResult> {
    if (this.#failure) throw this.#failure;
    // The packed rows are each chunk's own copies: moved, not cloned.
    const transferList: ArrayBuffer[] = [task.rows.bytes.buffer as ArrayBuffer];
    if (task.overlap !== undefined) transferList.push(task.overlap.bytes.buffer as ArrayBuffer);
    const outcome = await this.#pool.run(task, { transferList });
    if ('error' in outcome) throw new SheetpipeError(outcome.error.code, outcome.error.args);
    return outcome;
  }

  /**
   * Stops the pool without cutting a worker off mid-chunk: queued chunks are dropped at once (their run() rejects),
   * a chunk being rendered and deflated finishes (a few ms), and only then are the idle workers terminated. Terminating
   * a worker inside deflateRawSync can abort the whole process on Node 24 (node_zlib.cc "close before init").
   */
  destroy(): Promise<void> {
    this.#destroyed = true;
    this.#closing ??= this.#pool.close({ force: true });
    return this.#closing;
  }
}
