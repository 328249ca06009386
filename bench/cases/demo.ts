/**
 * Case `demo-t2`: the demo's orders (src/cli/demo-data.ts) generated in-process and written by XlsxWriter with the
 * columns `runExport` gives the SQLite demo table (same declared types, same formats and widths): the engine's time
 * for the very cells `db-sqlite` reads from the file, so their ratio is what reading SQLite costs (issue 18).
 */
import { DEMO_COLUMNS, DEMO_TYPES, demoOrders } from '../../src/cli/demo-data.js';
import { sheetColumns } from '../../src/pipeline/plan.js';
import { instantMapper } from '../../src/sources/datetime.js';
import { sqliteColumn } from '../../src/sources/sqlite-types.js';
import { XlsxWriter } from '../../src/xlsx/index.js';
import type { CellValue } from '../../src/xlsx/types.js';
import { runCase } from './child.js';

/** Rows per addBatch, as the engine cases (bench/dataset.ts) and the cursors hand them over. */
const BATCH_ROWS = 2048;

runCase(async ({ rows, out, threads }) => {
  const utc = instantMapper(undefined);
  const columns = sheetColumns(DEMO_COLUMNS.map((name, c) => sqliteColumn(name, DEMO_TYPES[c] as string, utc).column));
  const workbook = new XlsxWriter(out, { threads, sizeHint: { rows } });
  const sheet = workbook.addSheet('Data', { columns });
  let batch: CellValue[][] = [];
  let written = 0;
  for (const order of demoOrders(rows)) {
    // The cells the SQLite export makes of the stored text and 0/1: Dates and a boolean.
    const row: CellValue[] = order;
    row[9] = new Date(order[9]);
    row[10] = order[10] === null ? null : new Date(order[10]);
    row[11] = order[11] === 1;
    batch.push(row);
    if (batch.length === BATCH_ROWS) {
      await sheet.addBatch(batch);
      written += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await sheet.addBatch(batch);
  await workbook.close();
  return written + batch.length;
});
