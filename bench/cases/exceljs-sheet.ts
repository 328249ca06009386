/**
 * ExcelJS's streaming writer set up the way ANCHORS.md measured it: inline strings, styles on,
 * a date format on the datetime column, every row committed as soon as it is added.
 */
import ExcelJS from 'exceljs';
import { COLUMN_NAMES, DATETIME_COLUMN } from '../dataset.js';

export interface ExcelJsSheet {
  addRow(row: readonly unknown[]): void;
  close(): Promise<void>;
}

export function openExcelJsSheet(out: string): ExcelJsSheet {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useSharedStrings: false, useStyles: true });
  const sheet = workbook.addWorksheet('Data');
  sheet.columns = COLUMN_NAMES.map((header, index) =>
    index === DATETIME_COLUMN ? { header, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } } : { header },
  );
  return {
    addRow: (row) => sheet.addRow(row as unknown[]).commit(),
    close: async () => {
      sheet.commit();
      await workbook.commit();
    },
  };
}
