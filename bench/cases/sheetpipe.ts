/** Case `sheetpipe`: the in-process dataset through sheetpipe's XlsxWriter with --threads N. */
import { addDataset, COLUMN_NAMES, DATETIME_COLUMN } from '../dataset.js';
import { XlsxWriter } from '../../src/xlsx/index.js';
import { runCase } from './child.js';

runCase(async ({ rows, out, threads }) => {
  const workbook = new XlsxWriter(out, { threads, sizeHint: { rows } });
  const sheet = workbook.addSheet('Data', {
    columns: COLUMN_NAMES.map((header, index) => (index === DATETIME_COLUMN ? { header, format: 'datetime' } : { header })),
  });
  const written = await addDataset(sheet, rows);
  await workbook.close();
  return written;
});
