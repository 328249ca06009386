/**
 * Case `db-exceljs`: the PostgreSQL table through pg-query-stream into ExcelJS's stream writer,
 * the way a Node user would wire it today (numeric parsed to a number so amounts are numbers).
 */
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { runCase } from './child.js';
import { openExcelJsSheet } from './exceljs-sheet.js';

const NUMERIC_OID = 1700;

runCase(async ({ out, source, query }) => {
  pg.types.setTypeParser(NUMERIC_OID, Number.parseFloat);
  const client = new pg.Client({ connectionString: source });
  await client.connect();
  try {
    const sheet = openExcelJsSheet(out);
    let written = 0;
    const rows = client.query(new QueryStream(query, [], { rowMode: 'array', batchSize: 1000 }));
    for await (const row of rows) {
      sheet.addRow(row as unknown[]);
      written++;
    }
    await sheet.close();
    return written;
  } finally {
    await client.end();
  }
});
