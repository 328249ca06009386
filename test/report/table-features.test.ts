import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { conditionalFormattingXml, resolveDataBar, resolveRule } from '../../src/xlsx/conditional-formats.js';
import { hyperlinkCell } from '../../src/xlsx/hyperlink.js';
import { printXml, sheetPrXml } from '../../src/xlsx/sheet-presentation.js';
import { StyleRegistry } from '../../src/xlsx/styles.js';
import { tableXml, uniqueColumnNames } from '../../src/xlsx/table-part.js';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { xlsxXsd } from '../helpers/xlsx-xsd.js';
import { readAllEntries } from '../helpers/zip-read.js';

const run = promisify(execFile);

test('table part: columns, totals functions and label, style and the filter range without the totals row', () => {
  const xml = tableXml({
    id: 2,
    ref: 'A1:C5',
    filterRef: 'A1:C4',
    columns: ['region', 'orders', 'total & net'],
    totals: [undefined, 'count', 'sum'],
    totalsLabel: 'Total',
    options: { style: 'TableStyleLight9' },
  });
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="2" name="Table2" displayName="Table2" ref="A1:C5" totalsRowCount="1">' +
      '<autoFilter ref="A1:C4"/><tableColumns count="3"><tableColumn id="1" name="region" totalsRowLabel="Total"/>' +
      '<tableColumn id="2" name="orders" totalsRowFunction="count"/><tableColumn id="3" name="total &amp; net" totalsRowFunction="sum"/></tableColumns>' +
      '<tableStyleInfo name="TableStyleLight9" showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>',
  );
  assert.deepEqual(uniqueColumnNames(['a', '', 'A', 'a']), ['a', 'Column2', 'A2', 'a3']);
});

test('conditional formats: cell-value, between, contains, top N, colour scale and data bar rules with dxfs and rising priorities', () => {
  const styles = new StyleRegistry();
  const red = { font: { color: '#C00000' } };
  const rules = [
    resolveRule({ when: '< 0', ...red }, styles, 'r0'),
    resolveRule({ when: 'between 1 and 10', fill: '#FFF2CC' }, styles, 'r1'),
    resolveRule({ when: 'contains "EU"', ...red }, styles, 'r2'),
    resolveRule({ top: 3, fill: '#FFF2CC' }, styles, 'r3'),
    resolveRule({ colorScale: ['#F8696B', '#63BE7B'] }, styles, 'r4'),
    resolveDataBar('#5B9BD5', 'bar'),
  ];
  const xml = conditionalFormattingXml([{ range: 'B2:B9', firstCell: 'B2', rules }]);
  assert.equal(
    xml,
    '<conditionalFormatting sqref="B2:B9">' +
      '<cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan"><formula>0</formula></cfRule>' +
      '<cfRule type="cellIs" dxfId="1" priority="2" operator="between"><formula>1</formula><formula>10</formula></cfRule>' +
      '<cfRule type="containsText" dxfId="0" priority="3" operator="containsText" text="&quot;EU&quot;"><formula>NOT(ISERROR(SEARCH("""EU""",B2)))</formula></cfRule>' +
      '<cfRule type="top10" dxfId="1" priority="4" rank="3"/>' +
      '<cfRule type="colorScale" priority="5"><colorScale><cfvo type="min"/><cfvo type="max"/><color rgb="FFF8696B"/><color rgb="FF63BE7B"/></colorScale></cfRule>' +
      '<cfRule type="dataBar" priority="6"><dataBar><cfvo type="min"/><cfvo type="max"/><color rgb="FF5B9BD5"/></dataBar></cfRule>' +
      '</conditionalFormatting>',
  );
  assert.match(styles.toXml(), /<dxfs count="2"><dxf><font><color rgb="FFC00000"\/><\/font><\/dxf><dxf><fill><patternFill><bgColor rgb="FFFFF2CC"\/><\/patternFill><\/fill><\/dxf><\/dxfs>/);
  assert.throws(() => resolveRule({ when: 'is negative', ...red }, styles, 'sheet.columns[1].conditional[0]'), /conditional\[0\]\.when/);
  assert.throws(() => resolveRule({ when: '< 0' }, styles, 'x'), /font or a fill/);
});

test('print setup, tab colour and links: the XML Excel writes', () => {
  assert.equal(printXml({ orientation: 'landscape', fitToWidth: 1 }), '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/><headerFooter><oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter></headerFooter>');
  assert.equal(sheetPrXml('#5B9BD5', { fitToWidth: 1 }), '<sheetPr><tabColor rgb="FF5B9BD5"/><pageSetUpPr fitToPage="1"/></sheetPr>');
  assert.equal(sheetPrXml(undefined, undefined), '');
  assert.deepEqual(hyperlinkCell('https://x.test/?a=1&b="2"'), {
    formula: 'HYPERLINK("https://x.test/?a=1&amp;b=""2""")',
    result: 'https://x.test/?a=1&amp;b="2"',
  });
  assert.equal(hyperlinkCell(`https://x.test/${'a'.repeat(250)}`), undefined);
});

test('a table sheet with totals, conditional formats, a data bar, links and print setup: every reader, the schemas, openpyxl sees them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-reports-table-'));
  const path = join(dir, 'table.xlsx');
  const book = new XlsxWriter(path, { deterministic: true, threads: 1 });
  const sheet = book.addSheet('Orders', {
    table: { style: 'TableStyleLight9' },
    tabColor: '#5B9BD5',
    print: { orientation: 'landscape', fitToWidth: 1, repeatHeader: true },
    columns: [
      { header: 'id', totals: 'count' },
      { header: 'amount', format: { currency: 'EUR' }, totals: 'sum', conditional: [{ when: '< 0', font: { color: '#C00000' } }], dataBar: { color: '#5B9BD5' } },
      { header: 'url', hyperlink: true },
      { header: 'amount', totals: 'max' },
    ],
  });
  const rows = [
    [1, 12.5, 'https://example.test/orders/1', 3],
    [2, -4, 'https://example.test/orders/2?a=1&b=2', 9],
    [3, 100.25, null, 1],
  ];
  await sheet.addBatch(rows);
  const plain = book.addSheet('Plain', { columns: [{ header: 'x' }], autoFilter: true });
  await plain.addBatch([[1], [2]]);
  await book.close();

  const parts = readAllEntries(await readFile(path));
  assert.ok(parts.has('xl/tables/table1.xml'));
  assert.match(parts.get('xl/worksheets/_rels/sheet1.xml.rels')!, /Target="..\/tables\/table1.xml"/);
  assert.match(parts.get('[Content_Types].xml')!, /\/xl\/tables\/table1.xml/);
  assert.match(parts.get('xl/workbook.xml')!, /<definedName name="_xlnm.Print_Titles" localSheetId="0">'Orders'!\$1:\$1<\/definedName>/);
  const worksheet = parts.get('xl/worksheets/sheet1.xml')!;
  assert.doesNotMatch(worksheet, /<autoFilter/, 'the table has the filter, not the sheet');
  assert.match(worksheet, /<row r="5">.*SUBTOTAL\(109,B2:B4\)<\/f><v>108.75<\/v>/);

  const link = (url: string): { formula: string; value: string } => ({ formula: `HYPERLINK("${url}")`, value: url });
  const check = await xlsxCheck(path, [
    {
      name: 'Orders',
      rows: [
        ['id', 'amount', 'url', 'amount2'],
        [1, 12.5, link('https://example.test/orders/1'), 3],
        [2, -4, link('https://example.test/orders/2?a=1&b=2'), 9],
        [3, 100.25, null, 1],
        [{ formula: 'SUBTOTAL(103,A2:A4)', value: 3 }, { formula: 'SUBTOTAL(109,B2:B4)', value: 108.75 }, null, { formula: 'SUBTOTAL(104,D2:D4)', value: 9 }],
      ],
    },
    { name: 'Plain', rows: [['x'], [1], [2]] },
  ]);
  assert.equal(check.code, 0, check.output);
  const xsd = await xlsxXsd(path);
  assert.equal(xsd.code, 0, xsd.output);

  const script = [
    'import openpyxl, sys, json',
    'ws = openpyxl.load_workbook(sys.argv[1])["Orders"]',
    't = ws.tables["Table1"]',
    'cf = [(str(r.sqref), [x.type for x in r.rules]) for r in ws.conditional_formatting]',
    'print(json.dumps({"ref": t.ref, "style": t.tableStyleInfo.name, "totals": t.totalsRowCount, "cf": cf,',
    '  "titles": str(ws.print_title_rows), "orientation": ws.page_setup.orientation, "tab": ws.sheet_properties.tabColor.rgb}))',
  ].join('\n');
  const { stdout } = await run('/usr/bin/python3', ['-c', script, path]);
  assert.deepEqual(JSON.parse(stdout), {
    ref: 'A1:D5',
    style: 'TableStyleLight9',
    totals: 1,
    cf: [['B2:B4', ['cellIs', 'dataBar']]],
    titles: '$1:$1',
    orientation: 'landscape',
    tab: 'FF5B9BD5',
  });
});
