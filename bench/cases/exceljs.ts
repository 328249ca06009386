/** Case `exceljs`: the in-process dataset through ExcelJS's stream.xlsx.WorkbookWriter. */
import { datasetBatches } from '../dataset.js';
import { runCase } from './child.js';
import { openExcelJsSheet } from './exceljs-sheet.js';

runCase(async ({ rows, out }) => {
  const sheet = openExcelJsSheet(out);
  let written = 0;
  for (const batch of datasetBatches({ rows })) {
    for (const row of batch) sheet.addRow(row);
    written += batch.length;
  }
  await sheet.close();
  return written;
});
