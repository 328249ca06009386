import type { ErrorCode } from '../errors.js';
import type { RenderLayout } from './row-renderer.js';
import type { EncodedRows } from './encoded-rows.js';
import type { PackedRows } from './row-packer.js';
import type { Aggregate } from './totals.js';

/** One chunk of a worksheet, as sent to a worker. */
export interface ChunkTask {
  readonly layout: RenderLayout;
  /** Identifies the layout so workers build its renderer once. */
  readonly layoutKey: number;
  /** XML written before the rows (the sheet's prologue and header row, in the first chunk). */
  readonly prefix: string;
  /** The chunk's rows, packed (row-packer.ts) or still in their source's encoding; its buffers are transferred to the worker. */
  readonly rows: PackedRows | EncodedRows;
  readonly firstRow: number;
  /** The last rows of the previous chunk, re-rendered to prime the deflate dictionary. */
  readonly overlap: PackedRows | EncodedRows | undefined;
  readonly overlapFirstRow: number;
  /** XML written after the rows (the sheet's epilogue, in the last chunk). */
  readonly suffix: string;
  readonly level: number;
  readonly prime: boolean;
  /** For encoded rows of a sheet with a totals row: the columns whose aggregates the worker returns (totals.ts). */
  readonly totals?: readonly number[];
}

export interface ChunkResult {
  readonly data: Uint8Array;
  readonly crc: number;
  readonly rawLength: number;
  readonly usedFormula: boolean;
  /** The chunk's aggregates of the task's `totals` columns, in their order. */
  readonly totals?: Aggregate[];
}

export interface ChunkFailure {
  readonly error: { readonly code: ErrorCode; readonly args: readonly string[] };
}
