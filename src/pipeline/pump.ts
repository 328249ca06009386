/**
 * Moves batches from the cursor to the writer. The producer reads ahead into a small bounded
 * queue while the writer works, so database I/O and rendering overlap, yet at most
 * `QUEUE_BATCHES` batches wait in memory whatever the row count.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { QueryCursor } from '../sources/types.js';
import { BatchQueue } from './batch-queue.js';
import type { RowWriter } from './row-writer.js';

const QUEUE_BATCHES = 2;

export interface PumpCounters {
  rows: number;
}

/**
 * `onBlock` hears of every batch the writer took (the diagnostics channel, when someone listens). Rows still in the
 * source's encoding go to a writer that takes them as they are (the render workers decode them).
 */
export async function pump(cursor: QueryCursor, writer: RowWriter, counters: PumpCounters, signal: AbortSignal, onBlock?: (rows: number) => void): Promise<void> {
  const { addEncoded } = writer;
  if (cursor.encodedBatches !== undefined && addEncoded !== undefined) {
    return move(cursor.encodedBatches(), (batch) => addEncoded.call(writer, batch), (batch) => batch.rows, counters, signal, onBlock);
  }
  return move(cursor.batches(), (batch) => writer.addBatch(batch), (batch) => batch.length, counters, signal, onBlock);
}

async function move<T>(
  batches: AsyncIterable<T>,
  add: (batch: T) => Promise<void>,
  rowsOf: (batch: T) => number,
  counters: PumpCounters,
  signal: AbortSignal,
  onBlock: ((rows: number) => void) | undefined,
): Promise<void> {
  const queue = new BatchQueue<T>(QUEUE_BATCHES);
  const producer = (async () => {
    try {
      for await (const batch of batches) {
        if (signal.aborted) break;
        if (rowsOf(batch) > 0 && !(await queue.push(batch))) return;
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
      await add(batch);
      const rows = rowsOf(batch);
      counters.rows += rows;
      onBlock?.(rows);
    }
  } catch (error) {
    queue.close();
    throw error;
  }
  signal.throwIfAborted();
  await producer;
}
