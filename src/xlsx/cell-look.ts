/**
 * The pieces of a cell style besides its number format, as `styles.xml` writes them: fonts, solid fills and
 * alignment. Each piece has a key so equal pieces share one entry; keys are built once per column.
 */
import { SheetpipeError } from '../errors.js';
import type { CellLook, Color } from './types.js';
import { escapeAttr } from './xml.js';

/** `#RRGGBB` → Excel's ARGB `FFRRGGBB`; SHEETPIPE_ERR_XLSX_BAD_OPTION for anything else. */
export function argb(color: Color, option: string): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', [option, `expected a colour as #RRGGBB, got ${JSON.stringify(color)}`]);
  }
  return `FF${color.slice(1).toUpperCase()}`;
}

export interface FontSpec {
  readonly bold: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  /** ARGB, or undefined for the default (automatic) colour. */
  readonly color: string | undefined;
  /** Points, or undefined for the default 11 (a title row's larger text). */
  readonly size?: number;
}

export const DEFAULT_FONT: FontSpec = { bold: false, italic: false, underline: false, color: undefined };
export const BOLD_FONT: FontSpec = { bold: true, italic: false, underline: false, color: undefined };

export function fontOf(look: CellLook): FontSpec {
  const font = look.font;
  if (font === undefined) return DEFAULT_FONT;
  if (font.size !== undefined && !(Number.isFinite(font.size) && font.size >= 1 && font.size <= 409)) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['font.size', `expected points from 1 to 409, got ${font.size}`]);
  }
  return {
    bold: font.bold === true,
    italic: font.italic === true,
    underline: font.underline === true,
    color: font.color === undefined ? undefined : argb(font.color, 'font.color'),
    ...(font.size === undefined ? {} : { size: font.size }),
  };
}

export function fontKey(font: FontSpec): string {
  return `${font.bold ? 'b' : ''}${font.italic ? 'i' : ''}${font.underline ? 'u' : ''}|${font.color ?? ''}|${font.size ?? ''}`;
}

function writeFontFlags(font: FontSpec): string {
  return `${font.bold ? '<b/>' : ''}${font.italic ? '<i/>' : ''}${font.underline ? '<u/>' : ''}`;
}

/** CT_Font in the order Excel writes it (b, i, u, sz, color, name, family). */
export function writeFont(font: FontSpec): string {
  const color = font.color === undefined ? '' : `<color rgb="${font.color}"/>`;
  return `<font>${writeFontFlags(font)}<sz val="${font.size ?? 11}"/>${color}<name val="Calibri"/><family val="2"/></font>`;
}

/** A differential format's font: only what it changes (no size or name, so the cell keeps its own). */
export function writeDxfFont(font: FontSpec): string {
  if (font === DEFAULT_FONT || fontKey(font) === fontKey(DEFAULT_FONT)) return '';
  const color = font.color === undefined ? '' : `<color rgb="${font.color}"/>`;
  return `<font>${writeFontFlags(font)}${color}</font>`;
}

/** A differential format's fill: Excel reads a dxf's solid colour from `bgColor`. */
export function writeDxfFill(rgb: string): string {
  return `<fill><patternFill><bgColor rgb="${rgb}"/></patternFill></fill>`;
}

/** A solid fill as Excel writes it: the colour is the pattern's foreground. */
export function writeSolidFill(rgb: string): string {
  return `<fill><patternFill patternType="solid"><fgColor rgb="${rgb}"/><bgColor indexed="64"/></patternFill></fill>`;
}

/** `<alignment …/>` for an xf, or '' when the look keeps the defaults. */
export function writeAlignment(look: CellLook): string {
  const horizontal = look.align === undefined ? '' : ` horizontal="${escapeAttr(look.align)}"`;
  const wrap = look.wrap === true ? ' wrapText="1"' : '';
  return horizontal || wrap ? `<alignment${horizontal}${wrap}/>` : '';
}

const ALIGNMENTS = new Set(['left', 'center', 'right']);

export function assertAlign(look: CellLook): void {
  if (look.align !== undefined && !ALIGNMENTS.has(look.align)) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['align', `expected left, center or right, got ${JSON.stringify(look.align)}`]);
  }
}
