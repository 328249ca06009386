/** sheetpipe: stream rows into a genuine .xlsx as fast as a CSV dump, in flat memory, on every core. */
export * from './xlsx/index.js';
export { SheetpipeError, isSheetpipeError, ERRORS, type ErrorCode } from './errors.js';
export { fillTemplate, type FillTemplateOptions, type FillTemplateResult, type TemplateTarget } from './template/index.js';
