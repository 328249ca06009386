import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isSheetpipeError } from '../../src/errors.js';
import { formula } from '../../src/xlsx/formula.js';
import { packRows, RowPacker } from '../../src/xlsx/row-packer.js';
import { ByteBuffer, RowRenderer, type RenderLayout } from '../../src/xlsx/row-renderer.js';
import type { CellValue, Row } from '../../src/xlsx/types.js';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';

const layout: RenderLayout = { sheetName: 'S', columns: [], defaultDateStyle: ' s="1"', timeZone: 'UTC', truncateLongText: false };

function render(packed: ReturnType<typeof packRows>, firstRow = 1): string {
  const out = new ByteBuffer(16);
  new RowRenderer(layout).renderRows(packed, firstRow, out);
  return out.view().toString('utf8');
}

test('every kind of value packs and renders to its cell XML', () => {
  const row: CellValue[] = [
    1.5,
    'abc',
    'a<b',
    true,
    false,
    null,
    '',
    new Date(Date.UTC(2024, 0, 1)),
    10n,
    formula('=1+1'),
    2 ** 60,
    ' padded',
    'é',
    undefined,
    -0,
    1e300,
    5e-324,
    2n ** 60n,
  ];
  const expected =
    '<row r="7">' +
    '<c r="A7"><v>1.5</v></c>' +
    '<c r="B7" t="inlineStr"><is><t>abc</t></is></c>' +
    '<c r="C7" t="inlineStr"><is><t>a&lt;b</t></is></c>' +
    '<c r="D7" t="b"><v>1</v></c>' +
    '<c r="E7" t="b"><v>0</v></c>' +
    '<c r="H7" s="1"><v>45292</v></c>' +
    '<c r="I7"><v>10</v></c>' +
    '<c r="J7"><f>1+1</f></c>' +
    // A double is a number whatever its magnitude; only the exact type, bigint, keeps its digits as text.
    '<c r="K7"><v>1152921504606847000</v></c>' + // 2 ** 60: its shortest round-trip digits
    '<c r="L7" t="inlineStr"><is><t xml:space="preserve"> padded</t></is></c>' +
    '<c r="M7" t="inlineStr"><is><t>é</t></is></c>' +
    '<c r="O7"><v>0</v></c>' +
    '<c r="P7"><v>1e+300</v></c>' +
    '<c r="Q7"><v>5e-324</v></c>' +
    '<c r="R7" t="inlineStr"><is><t>1152921504606846976</t></is></c>' +
    '</row>';
  assert.equal(render(packRows([row]), 7), expected);
});

test('rows of different widths keep their own cell counts; an empty row is an empty <row>', () => {
  assert.equal(render(packRows([[1, 2, 3], [], ['x']])), '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><v>3</v></c></row><row r="2"></row><row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c></row>');
});

test('shared columns are looked up in row-major order and render as t="s"', () => {
  const seen: CellValue[] = [];
  const table = new Map([['EUR', 0], ['USD', 1]]);
  const packer = new RowPacker(8, [false, true, true], (value) => {
    seen.push(value);
    return typeof value === 'string' ? (table.get(value) ?? -1) : -1;
  });
  packer.add([1, 'EUR', 'GBP']);
  packer.add([2, 'USD', 'EUR']);
  assert.deepEqual(seen, ['EUR', 'GBP', 'USD', 'EUR']);
  assert.equal(
    render(packer.copy()),
    '<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>GBP</t></is></c></row>' +
      '<row r="2"><c r="A2"><v>2</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>0</v></c></row>',
  );
});

test('a tail copy renders exactly the last rows of the whole chunk (the dictionary of the next chunk)', () => {
  const packer = new RowPacker(4); // tiny, so the buffer and the row index both grow
  const rows: Row[] = Array.from({ length: 3000 }, (_, i) => [i, `row ${i}`, i % 3 === 0, formula(`A${i + 1}*2`)]);
  for (const row of rows) packer.add(row);
  const whole = render(packer.copy(), 1);
  const tailCopy = packer.copy(2990);
  assert.equal(tailCopy.others.length, 10, 'a tail carries only its own formulas');
  const tail = render(tailCopy, 2991);
  assert.ok(tail.startsWith('<row r="2991">'));
  assert.ok(whole.endsWith(tail));
  packer.reset();
  packer.add(['fresh']);
  assert.equal(render(packer.copy()), '<row r="1"><c r="A1" t="inlineStr"><is><t>fresh</t></is></c></row>');
});

test('an Invalid Date and an unsupported object are errors naming the cell', () => {
  assert.throws(() => render(packRows([[1, new Date(Number.NaN)]]), 4), /row 4, column B: cannot write a value of type Invalid Date/);
  assert.throws(() => render(packRows([[{ not: 'a cell' } as unknown as CellValue]])), /row 1, column A: cannot write a value of type Object/);
});

test('a row or a column list wider than 16,384 columns is refused when it is added, and no file is left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-wide-'));
  const book = new XlsxWriter(join(dir, 'wide.xlsx'), { threads: 1 });
  const sheet = book.addSheet('Wide');
  await sheet.addRow(new Array(16_384).fill(1));
  await assert.rejects(sheet.addRow(new Array(16_385).fill(1)), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS'));
    assert.match(error.message, /sheet Wide: 16385 columns exceed Excel's limit of 16,384 columns/);
    return true;
  });
  assert.throws(() => book.addSheet('Wider', { columns: new Array(20_000).fill({}) }), /sheet Wider: 20000 columns exceed/);
  await book.abort();
  assert.deepEqual(await readdir(dir), []);
});

test('after a chunk of huge cells the packer starts the next chunk afresh and packs correctly', () => {
  const packer = new RowPacker();
  const huge = 'é'.repeat(4 * 1024 * 1024); // 8 MiB of UTF-8, so the buffer grows past what is kept
  packer.add([huge]);
  assert.equal(packer.copy().bytes.length, 1 + 4 + huge.length * 2 + 1);
  packer.reset();
  packer.add([1, 'small']);
  assert.equal(render(packer.copy()), '<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="inlineStr"><is><t>small</t></is></c></row>');
});

test('addText packs the same bytes as addCell, and addPackedRow copies another packer\'s row as it is', () => {
  const texts = ['abc', 'a<b', 'a&b', 'a>b', 'tab\there', 'line\nbreak', ' lead', 'trail ', 'x_x0041_y', 'under_score', 'ü', '😀', '\u0001',
    '~}|{', 'a'.repeat(64), `${'a'.repeat(64)}<`, 'b'.repeat(65), '', 'SO-0000001', 'anna.andersen1@example.com'];
  const viaText = new RowPacker(8);
  const viaCell = new RowPacker(8);
  for (const text of texts) {
    viaText.addText(text);
    viaCell.addCell(text);
  }
  viaText.endRow();
  viaCell.endRow();
  assert.deepEqual(Buffer.from(viaText.view().bytes), Buffer.from(viaCell.view().bytes));
  assert.equal(viaText.byteLength, viaText.view().bytes.length);
  const copied = new RowPacker(8);
  const { bytes } = viaText.view();
  copied.addPackedRow(bytes, 0, bytes.length);
  copied.addPackedRow(bytes, 0, bytes.length);
  assert.equal(copied.rows, 2);
  assert.equal(render(copied.view()), render(packRows([texts, texts])));
});

test('addText equals addCell for any text (property)', () => {
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom('_', 'x', '0', '4', '1', 'a', '&', '<', '>', ' ', '\t', '\n', '\r', '~', '\u007f', 'é') }),
    fc.string({ unit: 'binary' }),
    fc.string({ minLength: 60, maxLength: 70 }),
  );
  fc.assert(fc.property(fc.array(text, { maxLength: 8 }), (texts) => {
    const viaText = new RowPacker(8);
    const viaCell = new RowPacker(8);
    for (const value of texts) {
      viaText.addText(value);
      viaCell.addCell(value);
    }
    assert.deepEqual(Buffer.from(viaText.view().bytes), Buffer.from(viaCell.view().bytes));
  }), { numRuns: 2000 });
});
