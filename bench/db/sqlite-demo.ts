/**
 * The db-sqlite case's database: the demo's orders table (what `sheetpipe demo` builds, src/cli/demo-data.ts), one
 * file per row count and demo data version in the temp directory, built once and reused (~15 s for 1M rows).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DATA_VERSION, ensureDemoDatabase } from '../../src/cli/demo-data.js';

const CACHE_DIR = join(tmpdir(), 'sheetpipe-bench-sqlite');

/** The query the case exports: what `sheetpipe demo` (`--table orders`) runs. */
export const DEMO_QUERY = 'SELECT * FROM "orders"';

export function demoDatabasePath(rows: number): string {
  return join(CACHE_DIR, `demo-v${DEMO_DATA_VERSION}-${rows}.db`);
}

/** Builds the file unless it is there and current; builtMs is 0 when it was reused. */
export async function ensureDemoFile(rows: number, path = demoDatabasePath(rows)): Promise<{ path: string; builtMs: number }> {
  const database = await ensureDemoDatabase(path, rows, new AbortController().signal);
  return { path, builtMs: database.built ? database.ms : 0 };
}

/** Removes every cached demo file (`--drop-db`). */
export function dropDemoFiles(): void {
  rmSync(CACHE_DIR, { recursive: true, force: true });
}
