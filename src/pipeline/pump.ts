/**
 * Moves batches from the cursor to the writer. The producer reads ahead into a small bounded
 * queue while the writer works, so database I/O and rendering overlap, yet at most
 * `QUEUE_BATCHES` batches wait in memory whatever the row count.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { QueryCursor } from '../sources/types.js';
import type { CellValue } from '../xlsx/types.js';
import { BatchQueue } from './batch-queue.js';
import type { RowWriter } from './row-writer.js';

const QUEUE_BATCHES = 2;

export interface PumpCounters {
  rows: number;
}

/** `onBlock` hears of every batch the writer took (the diagnostics channel, when someone listens). */
export async function pump(cursor: QueryCursor, writer: RowWriter, counters: PumpCounters, signal: AbortSignal, onBlock?: (rows: number) => void): Promise<void> {
  const queue = new BatchQueue<CellValue[][]>(QUEUE_BATCHES);
  const producer = (async () => {
    try {
      for await (const batch of cursor.batches()) {
        if (signal.aborted) break;
        if (batch.length > 0 && !(await queue.push(batch))) return;
        // A synchronous driver (better-sqlite3) and a fast writer can chain batches through
        // microtasks alone; one macrotask turn per batch lets timers and signals (the deadline,
        // Ctrl-C) run. Costs a few microseconds per batch of thousands of rows.
        await nextMacrotask();
      }
      queue.end();
    } catch (error) {
      queue.fail(error);
    }
  })();
  try {
    for (let batch = await queue.shift(); batch !== undefined; batch = await queue.shift()) {
      await writer.addBatch(batch);
      counters.rows += batch.length;
      onBlock?.(batch.length);
    }
  } catch (error) {
    queue.close();
    throw error;
  }
  signal.throwIfAborted();
  await producer;
}
