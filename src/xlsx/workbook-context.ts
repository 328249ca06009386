import type { ChunkResult, ChunkTask } from './chunk-task.js';
import type { PartExtras } from './sheet-features.js';
import type { SharedStrings } from './shared-strings.js';
import type { StyleRegistry } from './styles.js';

/** Options after defaults, validated once. */
export interface ResolvedOptions {
  readonly threads: number;
  readonly niceIncrement: number;
  readonly level: number;
  readonly timeZone: string;
  readonly truncateLongText: boolean;
  readonly chunkRows: number;
  readonly chunkBytes: number;
  readonly primeDictionary: boolean;
  readonly expectedRows: number | undefined;
}

/** What the workbook knows of a sheet (its SheetWriter), structurally: the writer imports this module. */
export interface SheetHandle {
  readonly name: string;
  readonly ended: boolean;
}

/** What a sheet needs from its workbook: shared tables, part bookkeeping and the ordered chunk queue. */
export interface WorkbookContext {
  readonly options: ResolvedOptions;
  readonly styles: StyleRegistry;
  readonly sharedStrings: SharedStrings;
  readonly defaultDateStyle: string;
  nextLayoutKey(): number;
  addPart(name: string, sheet: SheetHandle): { index: number; path: string };
  finishPart(index: number, filterRange: string | undefined, extras?: PartExtras): void;
  /** The next table's id (1, 2, … across the workbook). */
  nextTableId(): number;
  nextRolloverName(base: string, n: number): string;
  assertWritable(sheet: SheetHandle): void;
  /**
   * Queues a chunk for rendering and the ordered merge; resolves when it is accepted. A task may still be coming (a
   * part's tail that waits for its chunks' totals); `onResult` gets the chunk's result as it will arrive.
   */
  submit(task: ChunkTask | Promise<ChunkTask>, path: string, first: boolean, last: boolean, rows: number, onResult?: (result: Promise<ChunkResult>) => void): Promise<void>;
}
