/**
 * Case `report-t2`: the dataset as a report sheet (an Excel table with a totals row, a currency column, a
 * red-negative rule and a data bar), for the ratio against the plain `sheetpipe-t2` export of the same rows.
 */
import { addDataset, COLUMN_NAMES, DATETIME_COLUMN } from '../dataset.js';
import { XlsxWriter } from '../../src/xlsx/index.js';
import type { ColumnOptions } from '../../src/xlsx/types.js';
import { runCase } from './child.js';

const PRESENTED: Readonly<Record<string, ColumnOptions>> = {
  amount: { format: { currency: 'EUR' }, totals: 'sum', conditional: [{ when: '< 0', font: { color: '#C00000' } }] },
  qty: { totals: 'sum' },
  ratio: { format: 'percent', decimals: 1, dataBar: { color: '#5B9BD5' } },
};

// Always 2 threads, like the `sheetpipe-t2` case it is compared with (the harness's --threads is for the db cases).
runCase(async ({ rows, out }) => {
  const workbook = new XlsxWriter(out, { threads: 2, sizeHint: { rows } });
  const sheet = workbook.addSheet('Data', {
    table: { style: 'TableStyleMedium2' },
    columns: COLUMN_NAMES.map((header, index) => ({ header, ...(index === DATETIME_COLUMN ? { format: 'datetime' as const } : {}), ...PRESENTED[header] })),
  });
  const written = await addDataset(sheet, rows);
  await workbook.close();
  return written;
});
