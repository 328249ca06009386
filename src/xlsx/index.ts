export { XlsxWriter } from './workbook-writer.js';
export type { SheetWriter } from './sheet-writer.js';
export { formula } from './formula.js';
export { wallClockMapper } from './timezone.js';
export { excelSerial } from './dates.js';
export { escapeText } from './xml.js';
export { MAX_ROWS, MAX_COLUMNS, MAX_CELL_TEXT } from './cell-ref.js';
export type * from './types.js';
