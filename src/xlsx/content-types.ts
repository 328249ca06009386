import { NS, XML_DECLARATION } from './xml.js';

const SPREADSHEET = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

/** `[Content_Types].xml`: one override per part written, nothing for parts that were not. */
export function contentTypesXml(sheetCount: number, hasSharedStrings: boolean, hasCustomProperties: boolean, tableIds: readonly number[] = []): string {
  const overrides = [
    [`/xl/workbook.xml`, `${SPREADSHEET}.sheet.main+xml`],
    ...Array.from({ length: sheetCount }, (_, i) => [`/xl/worksheets/sheet${i + 1}.xml`, `${SPREADSHEET}.worksheet+xml`]),
    ...tableIds.map((id) => [`/xl/tables/table${id}.xml`, `${SPREADSHEET}.table+xml`]),
    ['/xl/styles.xml', `${SPREADSHEET}.styles+xml`],
    ...(hasSharedStrings ? [['/xl/sharedStrings.xml', `${SPREADSHEET}.sharedStrings+xml`]] : []),
    ['/docProps/core.xml', 'application/vnd.openxmlformats-package.core-properties+xml'],
    ['/docProps/app.xml', 'application/vnd.openxmlformats-officedocument.extended-properties+xml'],
    ...(hasCustomProperties ? [['/docProps/custom.xml', 'application/vnd.openxmlformats-officedocument.custom-properties+xml']] : []),
  ];
  return (
    XML_DECLARATION +
    `<Types xmlns="${NS.contentTypes}">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    overrides.map(([part, type]) => `<Override PartName="${part}" ContentType="${type}"/>`).join('') +
    '</Types>'
  );
}
