/**
 * The article case's checks, run by the harness on the finished file before it is deleted: `unzip -t` (Info-ZIP
 * inflates every entry and checks its CRC, so a ZIP64 mistake past 4 GiB shows here) and openpyxl in read-only mode
 * on the LAST sheet (its row count, and the last row's values against what bench/db/series.ts generates for the
 * last id). Times are the checks' own, apart from the export's.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CITY_POOL, CREATED_BASE_MS, CREATED_STEP_S, NAME_POOL } from './dataset.js';

const run = promisify(execFile);

/** Excel's row limit; every rolled-over sheet repeats the header row. */
const SHEET_ROWS = 1_048_576;

/**
 * Prints {sheets, last, rows, lastRow} for the workbook's last sheet, values as JSON-friendly text.
 * openpyxl's read-only worksheet probes each sheet's size when the workbook loads, and without a <dimension>
 * element (sheetpipe streams rows and writes none) the probe parses the whole sheet: at 120M rows that is all 115
 * sheets, ~1 GB of the file and 5 minutes per 10 sheets on this machine, before the last one is read. The probe is
 * skipped; the rows are still read to the sheet's end.
 */
const READ_LAST_SHEET = `
import json, sys, openpyxl
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
ReadOnlyWorksheet._get_size = lambda self: None
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ws = wb.worksheets[-1]
count, header, last = 0, None, None
for row in ws.iter_rows(values_only=True):
    if header is None:
        header = row
    count += 1
    last = row
text = lambda v: v.isoformat() if hasattr(v, 'isoformat') else v
print(json.dumps({'sheets': len(wb.sheetnames), 'last': wb.sheetnames[-1], 'rows': count,
                  'header': list(header or []), 'lastRow': [text(v) for v in (last or [])]}))
`;

export interface ArticleCheck {
  readonly unzipOk: boolean;
  /** unzip -t's last line ("No errors detected in compressed data of …") or its error. */
  readonly unzipSays: string;
  readonly unzipMs: number;
  readonly sheets: number;
  readonly lastSheet: string;
  /** Rows openpyxl read on the last sheet, header included. */
  readonly lastSheetRows: number;
  /** What the last sheet must hold: the rows left after the full sheets, plus its header. */
  readonly expectedLastSheetRows: number;
  readonly lastRow: readonly unknown[];
  /** Why the last row is wrong, or undefined when every checked value is what the series makes for the last id. */
  readonly lastRowProblem: string | undefined;
  readonly readMs: number;
}

/** Data rows on the last sheet of an export of `rows` rows (every sheet has a header row). */
export function expectedLastSheetRows(rows: number): number {
  const perSheet = SHEET_ROWS - 1;
  return rows - (Math.ceil(rows / perSheet) - 1) * perSheet;
}

/** What is wrong with the last row of an export of ids 1…rows, or undefined. */
export function lastRowProblem(row: readonly unknown[], rows: number): string | undefined {
  const [id, amount, qty, name, city, createdAt, active, note, ratio, code] = row;
  if (id !== rows) return `id ${String(id)}, expected ${rows}`;
  if (typeof amount !== 'number' || amount < 0 || amount > 1000) return `amount ${String(amount)}`;
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > 100) return `qty ${String(qty)}`;
  if (typeof name !== 'string' || !NAME_POOL.includes(name)) return `name ${String(name)}`;
  if (typeof city !== 'string' || !CITY_POOL.includes(city)) return `city ${String(city)}`;
  const from = CREATED_BASE_MS + rows * CREATED_STEP_S * 1000;
  const at = typeof createdAt === 'string' ? Date.parse(`${createdAt}Z`) : Number.NaN;
  if (!(at >= from && at < from + 30_000)) return `created_at ${String(createdAt)}, expected ${new Date(from).toISOString()} + 0…29 s`;
  if (typeof active !== 'boolean') return `active ${String(active)}`;
  if (typeof note !== 'string' || note.length < 1) return `note ${String(note)}`;
  if (typeof ratio !== 'number' || ratio < 0 || ratio >= 1) return `ratio ${String(ratio)}`;
  if (typeof code !== 'string' || !/^[A-Z]-\d{6}$/.test(code)) return `code ${String(code)}`;
  return undefined;
}

async function unzipTest(file: string): Promise<Pick<ArticleCheck, 'unzipOk' | 'unzipSays' | 'unzipMs'>> {
  const started = performance.now();
  try {
    const { stdout } = await run('unzip', ['-tq', file], { maxBuffer: 1 << 20 });
    return { unzipOk: true, unzipSays: stdout.trim().split('\n').at(-1) ?? '', unzipMs: performance.now() - started };
  } catch (error) {
    const failed = error as { stdout?: string; message: string };
    return { unzipOk: false, unzipSays: (failed.stdout ?? failed.message).trim().split('\n').slice(-3).join(' / '), unzipMs: performance.now() - started };
  }
}

/** Runs both checks on the export of `rows` series rows in `file`. */
export async function checkArticle(file: string, rows: number): Promise<ArticleCheck> {
  const unzip = await unzipTest(file);
  const started = performance.now();
  const { stdout } = await run('/usr/bin/python3', ['-c', READ_LAST_SHEET, file], { maxBuffer: 1 << 20 });
  const read = JSON.parse(stdout) as { sheets: number; last: string; rows: number; lastRow: unknown[] };
  return {
    ...unzip,
    sheets: read.sheets,
    lastSheet: read.last,
    lastSheetRows: read.rows,
    expectedLastSheetRows: expectedLastSheetRows(rows) + 1,
    lastRow: read.lastRow,
    lastRowProblem: lastRowProblem(read.lastRow, rows),
    readMs: performance.now() - started,
  };
}

/** The checks as markdown lines for the article section. */
export function renderArticleCheck(check: ArticleCheck): string[] {
  const rowsOk = check.lastSheetRows === check.expectedLastSheetRows;
  return [
    '| check | result | time s |',
    '|---|---|---:|',
    `| \`unzip -tq\` | ${check.unzipOk ? 'PASS' : 'FAIL'}: ${check.unzipSays} | ${(check.unzipMs / 1000).toFixed(1)} |`,
    `| openpyxl read-only, last sheet \`${check.lastSheet}\` (of ${check.sheets}): rows incl. header | ` +
      `${rowsOk ? 'PASS' : 'FAIL'}: ${check.lastSheetRows.toLocaleString('en-US')} (expected ${check.expectedLastSheetRows.toLocaleString('en-US')}) | ` +
      `${(check.readMs / 1000).toFixed(1)} |`,
    `| last row's values (id = rows, pools, ranges, created_at from the id) | ${check.lastRowProblem === undefined ? 'PASS' : `FAIL: ${check.lastRowProblem}`}: ` +
      `\`${JSON.stringify(check.lastRow)}\` | |`,
  ];
}
