import { Piscina } from 'piscina';
import { SheetpipeError } from '../errors.js';
import type { ChunkFailure, ChunkResult, ChunkTask } from './chunk-task.js';
import type { EncodedRows } from './encoded-rows.js';
import type { PackedRows } from './row-packer.js';

// A CommonJS entry that imports render-thread.js (why: render-thread-entry.cts).
const WORKER_FILE = new URL('./render-thread-entry.cjs', import.meta.url).href;

/** How long destroy() waits for each step (chunks in flight to finish, workers to exit); they take milliseconds. */
const CLOSE_LIMIT_MS = 10_000;

async function withinLimit(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_LIMIT_MS)));
  await Promise.race([work.catch(() => undefined), late]);
  clearTimeout(timer);
}

/** The worker threads that render and compress chunks (piscina: a fixed pool, FIFO queue, transferable results). */
export class RenderPool {
  readonly #pool: Piscina<ChunkTask, ChunkResult | ChunkFailure>;
  #destroyed = false;
  #closing: Promise<void> | undefined;
  /** Chunks handed to piscina and not yet settled: destroy() lets them finish. */
  readonly #inFlight = new Set<Promise<ChunkResult | ChunkFailure>>();
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
    const transferList: ArrayBuffer[] = [...buffersOf(task.rows)];
    if (task.overlap !== undefined) transferList.push(...buffersOf(task.overlap));
    if (this.#destroyed) throw new Error('the chunk pool is closed');
    const running = this.#pool.run(task, { transferList });
    this.#inFlight.add(running);
    const outcome = await running.finally(() => this.#inFlight.delete(running));
    if ('error' in outcome) throw new SheetpipeError(outcome.error.code, outcome.error.args);
    return outcome;
  }

  /**
   * Stops the pool without cutting a worker off mid-chunk: the chunks already handed to piscina finish (at most about
   * two per worker, a few ms each: the ordered merge bounds them), then the now idle workers are terminated. Terminating
   * a worker inside deflateRawSync can abort the whole process on Node 24 (node_zlib.cc "close before init").
   * Not piscina's close(): on Node 24 under load it left worker threads that never exited (13-14 after 60 aborts, with
   * 3 hammers on 2 cores) and sometimes never resolved; destroy() of idle workers left none in the same runs.
   */
  destroy(): Promise<void> {
    this.#destroyed = true;
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const threads = [...this.#pool.threads];
    await withinLimit(Promise.allSettled([...this.#inFlight]));
    await withinLimit(this.#pool.destroy());
    // Past the limit something is stuck in a worker; it must not keep the process alive as well.
    for (const thread of threads) thread.unref();
  }
}

function buffersOf(rows: PackedRows | EncodedRows): ArrayBuffer[] {
  const buffers = [rows.bytes.buffer as ArrayBuffer];
  if ('encoding' in rows) buffers.push(rows.offsets.buffer as ArrayBuffer);
  return buffers;
}
