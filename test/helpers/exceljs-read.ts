import ExcelJS from 'exceljs';
import type { ExpectedCell, ExpectedSheet } from './xlsx-check.js';

/**
 * Excel's decoding of `_xHHHH_` escapes. ExcelJS's reader applies it to shared strings but not to inline strings,
 * so the helper applies it to inline ones only.
 */
export function decodeExcelEscapes(text: string): string {
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const FIRST_REAL_EXCEL_DAY = Date.UTC(1900, 2, 1);
const DAY_MS = 86_400_000;

/**
 * ExcelJS reads serials with the 1899-12-30 epoch and no 1900 leap-year emulation (like LibreOffice), so a date
 * before 1900-03-01 comes back one day early; undo exactly that, as xlsx-check does for those readers.
 */
function excelJsDate(date: Date): Date {
  const ms = date.getTime();
  return ms < FIRST_REAL_EXCEL_DAY - DAY_MS ? new Date(ms + DAY_MS) : date;
}

function toExpected(value: ExcelJS.CellValue, inline: boolean): ExpectedCell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return { date: excelJsDate(value).toISOString().replace('Z', '') };
  if (typeof value === 'string') return inline ? decodeExcelEscapes(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'object' && 'formula' in value) {
    const result = (value as { result?: ExcelJS.CellValue }).result;
    return { formula: String(value.formula), ...(result !== undefined ? { value: toExpected(result, inline) } : {}) };
  }
  if (typeof value === 'object' && 'richText' in value) return value.richText.map((run) => run.text).join('');
  return String(value);
}

/**
 * Every sheet's values as ExcelJS's (non-streaming) reader sees them, in xlsx-check's expected form.
 * `sharedStringSheets` names the sheets written with shared strings.
 */
export async function readWithExcelJs(path: string, sharedStringSheets: readonly string[] = []): Promise<ExpectedSheet[]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  return book.worksheets.map((sheet) => {
    const inline = !sharedStringSheets.includes(sheet.name);
    const rows: ExpectedCell[][] = [];
    sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
      const cells: ExpectedCell[] = [];
      row.eachCell({ includeEmpty: true }, (cell, column) => {
        // A merged range's other cells are empty in the file; ExcelJS shows them with the first cell's value.
        cells[column - 1] = cell.type === ExcelJS.ValueType.Merge ? null : toExpected(cell.value, inline);
      });
      rows[rowNumber - 1] = Array.from(cells, (cell) => cell ?? null);
    });
    return { name: sheet.name, rows: Array.from(rows, (row) => row ?? []) };
  });
}
