import { Piscina } from 'piscina';
import { SheetpipeError } from '../errors.js';
import type { ChunkFailure, ChunkResult, ChunkTask } from './chunk-task.js';

// A CommonJS entry that imports chunk-worker.js (why: chunk-worker-entry.cts).
const WORKER_FILE = new URL('./chunk-worker-entry.cjs', import.meta.url).href;

/** The worker threads that render and compress chunks (piscina: a fixed pool, FIFO queue, transferable results). */
export class ChunkPool {
  readonly #pool: Piscina<ChunkTask, ChunkResult | ChunkFailure>;

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
      // A worker's live data is one chunk (~1–2 MB); V8's default young generation (up to 48 MB per isolate) only
      // adds resident memory. Measured at 300k rows × 10 columns, 2 threads: peak RSS 235 MiB → 198 MiB with 8 MB.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
  }

  async run(task: ChunkTask): Promise<ChunkResult> {
    // Rows and shared-string indices are copied (structured clone), not transferred: the writer keeps the last rows
    // of each chunk to prime the next one's dictionary.
    const outcome = await this.#pool.run(task);
    if ('error' in outcome) throw new SheetpipeError(outcome.error.code, outcome.error.args);
    return outcome;
  }

  destroy(): Promise<void> {
    return this.#pool.destroy();
  }
}
