import { builtInFormatId } from './number-formats.js';
import { XML_DECLARATION, NS, escapeAttr } from './xml.js';

interface CellStyle {
  readonly numFmtId: number;
  readonly bold: boolean;
}

/**
 * The workbook's cell styles (`cellXfs`). Styles are registered once per column before the first row, keyed by a
 * precomputed `numFmtId|bold` string, so identical styles share one index and no lookup happens per cell.
 * Index 0 is the default style.
 */
export class StyleRegistry {
  readonly #formats = new Map<string, number>(); // custom code → numFmtId (164+)
  readonly #styles: CellStyle[] = [{ numFmtId: 0, bold: false }];
  readonly #styleIndex = new Map<string, number>([['0|0', 0]]);

  /** Returns the `s` index for a number format code (and bold). */
  register(code: string, bold = false): number {
    const numFmtId = this.#formatId(code);
    const key = `${numFmtId}|${bold ? 1 : 0}`;
    let index = this.#styleIndex.get(key);
    if (index === undefined) {
      index = this.#styles.length;
      this.#styles.push({ numFmtId, bold });
      this.#styleIndex.set(key, index);
    }
    return index;
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

  toXml(): string {
    return [
      XML_DECLARATION,
      `<styleSheet xmlns="${NS.main}">`,
      this.#writeNumFmts(),
      '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
      '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>',
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>',
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>',
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
      this.#writeCellXfs(),
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
      '<dxfs count="0"/><tableStyles count="0"/>',
      '</styleSheet>',
    ].join('');
  }

  #writeNumFmts(): string {
    if (this.#formats.size === 0) return '';
    const entries = [...this.#formats].map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${escapeAttr(code)}"/>`);
    return `<numFmts count="${entries.length}">${entries.join('')}</numFmts>`;
  }

  #writeCellXfs(): string {
    const xfs = this.#styles.map(({ numFmtId, bold }) => {
      const font = bold ? ' fontId="1" applyFont="1"' : ' fontId="0"';
      const applyFormat = numFmtId === 0 ? '' : ' applyNumberFormat="1"';
      return `<xf numFmtId="${numFmtId}"${font} fillId="0" borderId="0" xfId="0"${applyFormat}/>`;
    });
    return `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs>`;
  }
}
