import { builtInFormatId } from './number-formats.js';
import {
  argb,
  assertAlign,
  BOLD_FONT,
  DEFAULT_FONT,
  fontKey,
  fontOf,
  writeAlignment,
  writeDxfFill,
  writeDxfFont,
  writeFont,
  writeSolidFill,
  type FontSpec,
} from './cell-look.js';
import type { CellLook, RuleLook } from './types.js';
import { XML_DECLARATION, NS, escapeAttr } from './xml.js';

interface CellStyle {
  readonly numFmtId: number;
  readonly fontId: number;
  readonly fillId: number;
  /** `<alignment …/>` or ''. */
  readonly alignment: string;
}

/** Fill 0 and 1 are the two every workbook has (`none` and `gray125`); solid fills follow. */
const FIRST_SOLID_FILL = 2;

/**
 * The workbook's cell styles (`cellXfs`) with their fonts and fills. Styles are registered once per column before
 * the first row, keyed by a precomputed string, so identical styles share one index and no lookup happens per cell.
 * Index 0 is the default style; font 1 is bold (the default header), so plain workbooks keep their bytes.
 */
export class StyleRegistry {
  readonly #formats = new Map<string, number>(); // custom code → numFmtId (164+)
  readonly #fonts: FontSpec[] = [DEFAULT_FONT, BOLD_FONT];
  readonly #fontIndex = new Map<string, number>([
    [fontKey(DEFAULT_FONT), 0],
    [fontKey(BOLD_FONT), 1],
  ]);
  readonly #fills = new Map<string, number>(); // ARGB → fillId
  readonly #styles: CellStyle[] = [{ numFmtId: 0, fontId: 0, fillId: 0, alignment: '' }];
  readonly #styleIndex = new Map<string, number>([['0|0|0|', 0]]);
  /** Differential formats of conditional rules: XML → dxfId. */
  readonly #dxfs = new Map<string, number>();

  /** Returns the `s` index for a number format code and a look (`true`: bold, the default header). */
  register(code: string, look: CellLook | boolean = {}): number {
    const resolved = typeof look === 'boolean' ? (look ? { font: { bold: true } } : {}) : look;
    assertAlign(resolved);
    const numFmtId = this.#formatId(code);
    const fontId = this.#fontId(fontOf(resolved));
    const fillId = resolved.fill === undefined ? 0 : this.#fillId(argb(resolved.fill, 'fill'));
    const alignment = writeAlignment(resolved);
    const key = `${numFmtId}|${fontId}|${fillId}|${alignment}`;
    let index = this.#styleIndex.get(key);
    if (index === undefined) {
      index = this.#styles.length;
      this.#styles.push({ numFmtId, fontId, fillId, alignment });
      this.#styleIndex.set(key, index);
    }
    return index;
  }

  /** Returns the `dxfId` of a conditional rule's look; equal looks share one. */
  registerDxf(look: RuleLook): number {
    const xml = `<dxf>${writeDxfFont(fontOf(look))}${look.fill === undefined ? '' : writeDxfFill(argb(look.fill, 'fill'))}</dxf>`;
    let id = this.#dxfs.get(xml);
    if (id === undefined) {
      id = this.#dxfs.size;
      this.#dxfs.set(xml, id);
    }
    return id;
  }

  #formatId(code: string): number {
    const builtIn = builtInFormatId(code);
    if (builtIn !== undefined) return builtIn;
    let id = this.#formats.get(code);
    if (id === undefined) {
      id = 164 + this.#formats.size;
      this.#formats.set(code, id);
    }
    return id;
  }

  #fontId(font: FontSpec): number {
    const key = fontKey(font);
    let id = this.#fontIndex.get(key);
    if (id === undefined) {
      id = this.#fonts.length;
      this.#fonts.push(font);
      this.#fontIndex.set(key, id);
    }
    return id;
  }

  #fillId(rgb: string): number {
    let id = this.#fills.get(rgb);
    if (id === undefined) {
      id = FIRST_SOLID_FILL + this.#fills.size;
      this.#fills.set(rgb, id);
    }
    return id;
  }

  toXml(): string {
    return [
      XML_DECLARATION,
      `<styleSheet xmlns="${NS.main}">`,
      this.#writeNumFmts(),
      `<fonts count="${this.#fonts.length}">${this.#fonts.map(writeFont).join('')}</fonts>`,
      this.#writeFills(),
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>',
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
      this.#writeCellXfs(),
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
      this.#dxfs.size === 0 ? '<dxfs count="0"/>' : `<dxfs count="${this.#dxfs.size}">${[...this.#dxfs.keys()].join('')}</dxfs>`,
      '<tableStyles count="0"/>',
      '</styleSheet>',
    ].join('');
  }

  #writeNumFmts(): string {
    if (this.#formats.size === 0) return '';
    const entries = [...this.#formats].map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${escapeAttr(code)}"/>`);
    return `<numFmts count="${entries.length}">${entries.join('')}</numFmts>`;
  }

  #writeFills(): string {
    const solid = [...this.#fills.keys()].map(writeSolidFill).join('');
    return (
      `<fills count="${FIRST_SOLID_FILL + this.#fills.size}">` +
      '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' +
      `${solid}</fills>`
    );
  }

  #writeCellXfs(): string {
    const xfs = this.#styles.map(({ numFmtId, fontId, fillId, alignment }) => {
      const font = fontId === 0 ? ' fontId="0"' : ` fontId="${fontId}" applyFont="1"`;
      const fill = fillId === 0 ? ' fillId="0"' : ` fillId="${fillId}" applyFill="1"`;
      const applyFormat = numFmtId === 0 ? '' : ' applyNumberFormat="1"';
      const head = `<xf numFmtId="${numFmtId}"${font}${fill} borderId="0" xfId="0"${applyFormat}`;
      return alignment === '' ? `${head}/>` : `${head} applyAlignment="1">${alignment}</xf>`;
    });
    return `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs>`;
  }
}
