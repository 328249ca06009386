import type { EncodedRows } from '../xlsx/encoded-rows.js';
import type { CellValue } from '../xlsx/types.js';

/** What the pipeline needs from a file-format writer (xlsx or csv), whatever it writes to. */
export interface RowWriter {
  /** Resolves when the writer can take more rows: its promise is the pipeline's backpressure. */
  addBatch(rows: CellValue[][]): Promise<void>;
  /** The same for rows still in their source's encoding, when the writer decodes them itself (SheetWriter.addEncoded). */
  addEncoded?(rows: EncodedRows): Promise<void>;
  /** Finishes the file and ends the output stream. */
  close(): Promise<void>;
  /** Stops writing; the sink removes what was written. */
  abort(reason: unknown): Promise<void>;
  /** Sheet names written (csv: none). */
  readonly sheets: readonly string[];
}
