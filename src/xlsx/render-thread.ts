/**
 * Worker-thread entry: renders one chunk of rows to worksheet XML and raw-deflates it as an independent block that
 * ends with a sync flush, so the ordered merge can concatenate blocks into one valid deflate stream.
 *
 * The block is primed with the previous 32 KiB of the stream as its dictionary. The worker does not have those
 * bytes, but it can make them: the main thread sends the last packed rows of the previous chunk, and rendering is a pure
 * function of (rows, row numbers, layout), so re-rendering them gives exactly the bytes that precede this chunk.
 * That costs ~3 % extra rendering and no cross-thread round trip.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { crc32 } from 'node:zlib';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { SheetpipeError } from '../errors.js';
import type { EncodedRows } from './encoded-rows.js';
import { packEncoded } from './row-encodings.js';
import { RowPacker, type PackedRows } from './row-packer.js';
import { ByteBuffer, RowRenderer } from './row-renderer.js';
import type { ChunkResult, ChunkTask } from './chunk-task.js';
import { Aggregates } from './totals.js';

const WINDOW = 32 * 1024;
const renderers = new Map<number, RowRenderer>();
const xml = new ByteBuffer(4 * 1024 * 1024);
const history = new ByteBuffer(256 * 1024);
/** Encoded rows are decoded into this packer and rendered from it (see packed). */
const transcoded = new RowPacker(1024 * 1024);

/**
 * Packed rows as they are; encoded rows decoded (row-encodings.ts) and packed in this thread first, so one
 * renderer serves both.
 */
function packed(rows: PackedRows | EncodedRows, aggregates?: Aggregates): PackedRows {
  if (!('encoding' in rows)) return rows;
  return aggregates === undefined ? packEncoded(rows, transcoded) : packEncoded(rows, transcoded, (row) => aggregates.add(row));
}

function rendererFor(task: ChunkTask): RowRenderer {
  let renderer = renderers.get(task.layoutKey);
  if (!renderer) {
    if (renderers.size > 16) renderers.clear();
    renderer = new RowRenderer(task.layout);
    renderers.set(task.layoutKey, renderer);
  }
  return renderer;
}

export function renderAndDeflate(task: ChunkTask): ChunkResult {
  const renderer = rendererFor(task);
  renderer.usedFormula = false;
  xml.reset();
  if (task.prefix) xml.write(task.prefix);
  // A totals row's aggregates over the chunk's own rows (not the overlap), for the main thread to merge in order.
  const aggregates = task.totals === undefined ? undefined : new Aggregates(task.totals);
  renderer.renderRows(packed(task.rows, aggregates), task.firstRow, xml);
  if (task.suffix) xml.write(task.suffix);
  const raw = xml.view();

  let dictionary: Buffer | undefined;
  if (task.prime && task.overlap !== undefined && task.overlap.rows > 0) {
    history.reset();
    renderer.renderRows(packed(task.overlap), task.overlapFirstRow, history);
    const rendered = history.view();
    dictionary = rendered.subarray(Math.max(0, rendered.length - WINDOW));
  }
  const compressed = deflateRawSync(raw, {
    level: task.level,
    finishFlush: constants.Z_SYNC_FLUSH,
    chunkSize: 256 * 1024,
    ...(dictionary ? { dictionary } : {}),
  });
  // A result that shares its ArrayBuffer with other data cannot be transferred; copy it out then.
  const data =
    compressed.byteOffset === 0 && compressed.byteLength === compressed.buffer.byteLength
      ? new Uint8Array(compressed.buffer, 0, compressed.byteLength)
      : new Uint8Array(compressed);
  return { data, crc: crc32(raw), rawLength: raw.length, usedFormula: renderer.usedFormula, ...(aggregates ? { totals: aggregates.values } : {}) };
}

export default function runChunk(task: ChunkTask): unknown {
  try {
    const result = renderAndDeflate(task);
    // The compressed bytes are moved to the main thread, not copied.
    return move({ [transferableSymbol]: [result.data.buffer], [valueSymbol]: result } as unknown as ArrayBuffer);
  } catch (error) {
    if (error instanceof SheetpipeError) return { error: { code: error.code, args: error.args } };
    throw error;
  }
}
