import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currencyFormatCode } from '../../src/xlsx/currency.js';
import { resolveFormat } from '../../src/xlsx/number-formats.js';
import { numberShapeOf } from '../../src/xlsx/sizing.js';
import { StyleRegistry } from '../../src/xlsx/styles.js';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { xlsxXsd } from '../helpers/xlsx-xsd.js';
import { readAllEntries } from '../helpers/zip-read.js';

test('currencies by ISO code: symbol, placement and ISO decimals', () => {
  assert.equal(currencyFormatCode('EUR'), '[$€]#,##0.00');
  assert.equal(currencyFormatCode('USD'), '[$$]#,##0.00');
  assert.equal(currencyFormatCode('JPY'), '[$¥]#,##0');
  assert.equal(currencyFormatCode('CHF'), '[$CHF ]#,##0.00');
  assert.equal(currencyFormatCode('SEK'), '#,##0.00[$ kr]');
  assert.equal(currencyFormatCode('EUR', 0), '[$€]#,##0');
  assert.equal(currencyFormatCode('EURO'), undefined);
  assert.equal(resolveFormat({ currency: 'GBP' }, undefined).code, '[$£]#,##0.00');
  assert.throws(() => resolveFormat({ currency: 'EURO' }, undefined), (error: Error & { code?: string }) => error.code === 'SHEETPIPE_ERR_XLSX_BAD_OPTION' && /EURO/.test(error.message));
});

test('number shapes count grouping, decimals and the currency symbol for column widths', () => {
  assert.deepEqual(numberShapeOf('[$€]#,##0.00'), { grouped: true, fraction: 3, affix: 1 });
  assert.deepEqual(numberShapeOf('#,##0.00[$ kr]'), { grouped: true, fraction: 3, affix: 3 });
  assert.deepEqual(numberShapeOf('0%'), { grouped: false, fraction: 0, affix: 1 });
  assert.equal(numberShapeOf('General'), undefined);
  assert.equal(numberShapeOf('yyyy-mm-dd'), undefined);
});

test('styles.xml: fonts, fills and alignment are deduplicated and written in schema order', () => {
  const styles = new StyleRegistry();
  assert.equal(styles.register('General'), 0);
  assert.equal(styles.register('General', true), 1);
  const red = styles.register('[$€]#,##0.00', { font: { color: '#c00000', italic: true }, align: 'right' });
  assert.equal(styles.register('[$€]#,##0.00', { font: { color: '#C00000', italic: true }, align: 'right' }), red, 'same look, same index');
  const filled = styles.register('General', { fill: '#FFF2CC', wrap: true });
  assert.deepEqual([red, filled], [2, 3]);
  const xml = styles.toXml();
  assert.match(xml, /<numFmts count="1"><numFmt numFmtId="164" formatCode="\[\$€\]#,##0.00"\/><\/numFmts>/);
  assert.match(
    xml,
    /<fonts count="3">.*<font><i\/><sz val="11"\/><color rgb="FFC00000"\/><name val="Calibri"\/><family val="2"\/><\/font><\/fonts>/,
  );
  assert.match(xml, /<fills count="3">.*<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"\/><bgColor indexed="64"\/><\/patternFill><\/fill><\/fills>/);
  assert.match(
    xml,
    /<xf numFmtId="164" fontId="2" applyFont="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyAlignment="1"><alignment horizontal="right"\/><\/xf>/,
  );
  assert.match(xml, /<xf numFmtId="0" fontId="0" fillId="2" applyFill="1" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1"\/><\/xf>/);
  assert.throws(() => styles.register('General', { fill: 'red' }), /#RRGGBB/);
});

test('a presented sheet: header labels and style, currencies, hidden and wrapped columns, widths; valid for every reader and the schemas', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-reports-presentation-'));
  const path = join(dir, 'presented.xlsx');
  const book = new XlsxWriter(path, { deterministic: true, threads: 1 });
  const sheet = book.addSheet('Summary', {
    headerStyle: { font: { bold: true, color: '#FFFFFF' }, fill: '#1F4E78', align: 'center' },
    columns: [
      { header: 'Region', width: 14 },
      { header: 'Total (EUR)', format: { currency: 'EUR' }, font: { bold: true } },
      { header: 'Total (JPY)', format: { currency: 'JPY' } },
      { header: 'Note', wrap: true, width: 30, fill: '#FFF2CC' },
      { header: 'internal', hidden: true },
      { header: 'Share', format: 'percent', align: 'right', font: { italic: true, color: '#C00000' } },
    ],
  });
  const rows = [
    ['North', 1234567.5, 1234567, 'first line\nsecond line', 'x1', 0.25],
    ['South', -42.1, -42, 'short', 'x2', 0.75],
  ];
  await sheet.addBatch(rows);
  await book.close();

  const parts = readAllEntries(await readFile(path));
  const worksheet = parts.get('xl/worksheets/sheet1.xml')!;
  assert.match(worksheet, /<col min="1" max="1" width="14" customWidth="1"\/>/);
  // `€1,234,567.50` is 13 characters; the column gets two more.
  assert.match(worksheet, /<col min="2" max="2" width="15" customWidth="1"\/>/);
  assert.match(worksheet, /<col min="5" max="5" width="\d+" hidden="1" customWidth="1"\/>/);
  const styles = parts.get('xl/styles.xml')!;
  assert.match(styles, /formatCode="\[\$€\]#,##0.00"/);
  assert.match(styles, /formatCode="\[\$¥\]#,##0"/);
  assert.match(styles, /<alignment horizontal="center"\/>/);
  assert.match(styles, /<alignment wrapText="1"\/>/);

  const check = await xlsxCheck(path, [
    {
      name: 'Summary',
      rows: [['Region', 'Total (EUR)', 'Total (JPY)', 'Note', 'internal', 'Share'], ...rows],
    },
  ]);
  assert.equal(check.code, 0, check.output);
  const xsd = await xlsxXsd(path);
  assert.equal(xsd.code, 0, xsd.output);
});
