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

/** Excel's default column width in characters, for columns without an estimate. */
const DEFAULT_COLUMN_WIDTH = 8.43;
/**
 * Characters of column width per character of text: widths count 11 pt digits, and average letters are narrower,
 * which about cancels the 14 pt bold title's size (measured on LibreOffice's PDF of examples/month-end.yaml).
 */
const TITLE_WIDTH_FACTOR = 1.2;
const SUBTITLE_WIDTH_FACTOR = 0.8;

/**
 * Widths with the shown columns widened when the merged title area is narrower than a title line: text in a
 * merged cell is clipped at the merge's edge (it never spills into the next cells), on screen and in print.
 */
export function widenForTitle(widths: readonly (number | undefined)[], hidden: readonly boolean[], columns: number, lines: readonly string[]): (number | undefined)[] {
  const shown = Array.from({ length: columns }, (_, c) => c).filter((c) => hidden[c] !== true);
  if (shown.length === 0 || lines.length === 0 || columns < 2) return [...widths]; // one column: no merge, the text spills
  const needed = Math.max(...lines.map((line, index) => line.length * (index === 0 ? TITLE_WIDTH_FACTOR : SUBTITLE_WIDTH_FACTOR) + 1));
  const total = shown.reduce((sum, c) => sum + (widths[c] ?? DEFAULT_COLUMN_WIDTH), 0);
  if (total >= needed) return [...widths];
  // Shared by every shown column, so no one column turns into a wide gap.
  const extra = Math.ceil((needed - total) / shown.length);
  const out = [...widths];
  for (const c of shown) out[c] = (widths[c] ?? DEFAULT_COLUMN_WIDTH) + extra;
  return out;
}

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
