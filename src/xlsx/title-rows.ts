/**
 * Title rows above a sheet's header: each line one inline-string cell in column A, merged across the sheet's
 * columns (`<mergeCells>`, after the autofilter in CT_Worksheet order). The first line takes the title style
 * (default bold 14 pt), the others the plain style. Every part of a rolled-over sheet repeats them.
 */
import { columnLetters } from './cell-ref.js';
import { packRows } from './row-packer.js';
import { ByteBuffer, RowRenderer, type RenderLayout } from './row-renderer.js';
import type { StyleRegistry } from './styles.js';
import type { CellLook } from './types.js';

export const DEFAULT_TITLE_LOOK: CellLook = { font: { bold: true, size: 14 } };

/** `<row>`s 1…n, one per line, rendered like any row so the text is escaped and checked the same way. */
export function titleRowsXml(lines: readonly string[], look: CellLook | undefined, styles: StyleRegistry, layout: RenderLayout): string {
  if (lines.length === 0) return '';
  const titleStyle = styles.register('General', look ?? DEFAULT_TITLE_LOOK);
  const out = new ByteBuffer(256);
  lines.forEach((line, index) => {
    const style = index === 0 && titleStyle !== 0 ? ` s="${titleStyle}"` : '';
    const renderer = new RowRenderer({ ...layout, columns: [{ name: '', style, dateStyle: style, instants: false, dateWidth: 0 }] });
    renderer.renderRows(packRows([[line]]), index + 1, out);
  });
  return out.view().toString('utf8');
}

/** `<mergeCells>` spanning each title line across `width` columns, or '' when there is nothing to merge. */
export function titleMergeXml(lines: number, width: number): string {
  if (lines === 0 || width < 2) return '';
  const last = columnLetters(width - 1);
  const cells = Array.from({ length: lines }, (_, index) => `<mergeCell ref="A${index + 1}:${last}${index + 1}"/>`).join('');
  return `<mergeCells count="${lines}">${cells}</mergeCells>`;
}
