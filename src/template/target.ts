import { SheetpipeError } from '../errors.js';
import { parseCell, type CellPosition } from './ranges.js';

/** Where the rows go: an Excel table by name, or a sheet and the top-left cell of the first data row. */
export type TemplateTarget = { readonly table: string } | { readonly sheet: string; readonly cell: string };

export type ResolvedTarget = { readonly kind: 'table'; readonly table: string } | { readonly kind: 'sheet'; readonly sheet: string; readonly cell: CellPosition };

/** `table:Sales`, `sheet:Data!A2` (quotes allowed: `sheet:'My data'!B3`), or the object form. */
export function parseTarget(target: string | TemplateTarget): ResolvedTarget {
  if (typeof target !== 'string') {
    if ('table' in target && typeof target.table === 'string' && target.table !== '') return { kind: 'table', table: target.table };
    if ('sheet' in target && typeof target.sheet === 'string') return sheetTarget(target.sheet, target.cell, JSON.stringify(target));
    throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_BAD_TARGET', [JSON.stringify(target)]);
  }
  if (target.startsWith('table:') && target.length > 6) return { kind: 'table', table: target.slice(6) };
  if (target.startsWith('sheet:')) {
    const bang = target.lastIndexOf('!');
    if (bang > 6) {
      let sheet = target.slice(6, bang);
      if (sheet.length > 1 && sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replaceAll("''", "'");
      return sheetTarget(sheet, target.slice(bang + 1), target);
    }
  }
  throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_BAD_TARGET', [JSON.stringify(target)]);
}

function sheetTarget(sheet: string, cell: string, label: string): ResolvedTarget {
  const position = parseCell(cell);
  if (sheet === '' || !position) throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_BAD_TARGET', [JSON.stringify(label)]);
  return { kind: 'sheet', sheet, cell: position };
}

export function describeTarget(target: ResolvedTarget): string {
  return target.kind === 'table' ? `table ${JSON.stringify(target.table)}` : `sheet ${JSON.stringify(target.sheet)}`;
}
