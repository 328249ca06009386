import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pgTextDecoder, type PgTextSpec } from '../../src/sources/pg-rows.js';
import { prepareTemplate, TemplateWriter } from '../../src/template/index.js';
import type { CellValue } from '../../src/xlsx/types.js';
import { tempDir } from '../pipeline/fixtures.js';
import { encodePgText } from '../helpers/pg-encode.js';
import { readAllEntries } from '../helpers/zip-read.js';
import { expectedSales, fixture } from './helpers.js';

const SPEC: PgTextSpec = { decoders: ['int8', 'text', 'date', 'int', 'float'], names: ['id', 'region', 'sold_on', 'quantity', 'amount'] };
const ROWS = 12_345;
const BATCH = 1000;

/** The sales rows as PostgreSQL sends them in text format, in batches. */
function batches(): ReturnType<typeof encodePgText>[] {
  const text = expectedSales(ROWS).map((row) => row.map(String));
  const out = [];
  for (let first = 1; first <= ROWS; first += BATCH) out.push(encodePgText(text.slice(first - 1, first - 1 + BATCH), SPEC, first));
  return out;
}

async function fill(file: string, into: string, out: string, feed: 'values' | 'encoded', threads: number): Promise<Buffer> {
  const writer = await TemplateWriter.open(out, await prepareTemplate(fixture(file), into), { threads, deterministic: true });
  const decoder = pgTextDecoder(SPEC);
  for (const batch of batches()) {
    if (feed === 'encoded') {
      await writer.addEncoded(batch);
    } else {
      const values: CellValue[][] = [];
      for (let r = 0; r < batch.rows; r++) values.push(decoder.decode(batch.bytes, batch.offsets[r] as number, batch.offsets[r + 1] as number, batch.firstRow + r));
      await writer.addBatch(values);
    }
  }
  await writer.close();
  return readFileSync(out);
}

test('a template filled with encoded rows is the file its decoded values make, whatever the thread count', async (t) => {
  const dir = tempDir(t);
  // side.xlsx has notes beside the first data rows (merged on the main thread); totals.xlsx a totals row below the data.
  for (const [file, into] of [['template.xlsx', 'table:Sales'], ['totals.xlsx', 'table:Sales'], ['side.xlsx', 'table:Sales'], ['sheet.xlsx', 'sheet:Export!B3']] as const) {
    const expected = await fill(file, into, join(dir, `${file}-values.xlsx`), 'values', 2);
    for (const threads of [1, 2]) {
      const actual = await fill(file, into, join(dir, `${file}-encoded-${threads}.xlsx`), 'encoded', threads);
      assert.deepEqual(readAllEntries(actual), readAllEntries(expected), `${file}, ${threads} thread(s)`);
      assert.ok(actual.equals(expected), `${file}, ${threads} thread(s): byte for byte`);
    }
  }
  const sheet = readAllEntries(readFileSync(join(dir, 'side.xlsx-encoded-2.xlsx'))).get('xl/worksheets/sheet2.xml') ?? '';
  assert.match(sheet, /<row r="4"[^>]*>.*?<c r="G4"[^>]*>.*?<\/row>/, 'the first data row keeps the note beside it');
  assert.match(sheet, /<row r="12348"/, 'the last data row');
});

test('encoded rows past Excel\'s last row are refused, naming the first row that does not fit', async (t) => {
  const dir = tempDir(t);
  const writer = await TemplateWriter.open(join(dir, 'big.xlsx'), await prepareTemplate(fixture('template.xlsx'), 'table:Sales'), { threads: 1 });
  const [batch] = batches();
  const rows = batch as NonNullable<typeof batch>;
  await assert.rejects(
    async () => {
      // The data starts in row 4: 1,048,573 rows fit.
      for (let i = 0; i < 1049; i++) await writer.addEncoded({ ...rows, firstRow: 1 + i * BATCH });
    },
    (error: Error & { code?: string }) => error.code === 'SHEETPIPE_ERR_TEMPLATE_TOO_MANY_ROWS' && /1048574/.test(error.message),
  );
  await writer.abort(new Error('test'));
});
