/** Where a worksheet part's table lives, and the worksheet's relationship to it (`rId1`, as `<tablePart>` says). */
import { NS, XML_DECLARATION } from './xml.js';

const TABLE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/table';

export function tablePartPath(id: number): string {
  return `xl/tables/table${id}.xml`;
}

export function worksheetRelsPath(sheetIndex: number): string {
  return `xl/worksheets/_rels/sheet${sheetIndex}.xml.rels`;
}

export function worksheetTableRelsXml(tableId: number): string {
  return `${XML_DECLARATION}<Relationships xmlns="${NS.packageRelationships}"><Relationship Id="rId1" Type="${TABLE}" Target="../tables/table${tableId}.xml"/></Relationships>`;
}
