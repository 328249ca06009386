import { worksheetRelId } from './package-manifest.js';
import { NS, XML_DECLARATION, escapeAttr } from './xml.js';

export interface WorkbookSheet {
  readonly name: string;
  /** Autofilter range (`A1:J100`) when the sheet has one; Excel wants the matching hidden defined name. */
  readonly filterRange?: string;
  /** Rows printed on every page (`$1:$1`): the `_xlnm.Print_Titles` defined name. */
  readonly printTitles?: string;
}

function quoteSheetName(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

function writeDefinedNames(sheets: readonly WorkbookSheet[]): string {
  const names = sheets.flatMap((sheet, index) => {
    if (!sheet.filterRange) return [] as string[];
    const [from, to] = sheet.filterRange.split(':') as [string, string];
    const absolute = `${quoteSheetName(sheet.name)}!$${from.replace(/(\d+)/, '$$$1')}:$${to.replace(/(\d+)/, '$$$1')}`;
    return [`<definedName name="_xlnm._FilterDatabase" localSheetId="${index}" hidden="1">${escapeAttr(absolute)}</definedName>`];
  });
  sheets.forEach((sheet, index) => {
    if (sheet.printTitles) names.push(`<definedName name="_xlnm.Print_Titles" localSheetId="${index}">${escapeAttr(`${quoteSheetName(sheet.name)}!${sheet.printTitles}`)}</definedName>`);
  });
  return names.length > 0 ? `<definedNames>${names.join('')}</definedNames>` : '';
}

/** `xl/workbook.xml`: sheet list (each names its worksheet's rId, package-manifest.ts), filter names, calc settings. */
export function workbookXml(sheets: readonly WorkbookSheet[], usedFormula: boolean): string {
  const entries = sheets.map(
    (sheet, index) => `<sheet name="${escapeAttr(sheet.name)}" sheetId="${index + 1}" r:id="${worksheetRelId(index + 1)}"/>`,
  );
  // Formulas may come without cached results: ask Excel to compute them on open.
  const calc = usedFormula ? '<calcPr calcId="191029" fullCalcOnLoad="1"/>' : '<calcPr calcId="191029"/>';
  return (
    XML_DECLARATION +
    `<workbook xmlns="${NS.main}" xmlns:r="${NS.relationships}">` +
    '<workbookPr/>' +
    '<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/></bookViews>' +
    `<sheets>${entries.join('')}</sheets>` +
    writeDefinedNames(sheets) +
    calc +
    '</workbook>'
  );
}
