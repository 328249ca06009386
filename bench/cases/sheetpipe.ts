/** Case `sheetpipe`: the in-process dataset through sheetpipe's XlsxWriter with --threads N. */
import { COLUMN_NAMES, DATETIME_COLUMN, datasetBatches } from '../dataset.js';
import { XlsxWriter } from '../../src/xlsx/index.js';
import { runCase } from './child.js';

runCase(async ({ rows, out, threads }) => {
  const workbook = new XlsxWriter(out, { threads, sizeHint: { rows } });
  const sheet = workbook.addSheet('Data', {
    columns: COLUMN_NAMES.map((header, index) => (index === DATETIME_COLUMN ? { header, format: 'datetime' } : { header })),
  });
  let written = 0;
  for (const batch of datasetBatches({ rows })) {
    await sheet.addBatch(batch);
    written += batch.length;
  }
  await workbook.close();
  return written;
});
