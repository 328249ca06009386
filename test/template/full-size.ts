/**
 * Shared by the full-size template tests (issue 17's "what it must show"): each template takes 100,000 rows from
 * PostgreSQL; then every part validates against the schemas, the readers read the new rows, parts that need not change
 * are the template's bytes, the ranges that follow the data cover exactly the new rows, and LibreOffice's PDF of the
 * file shows the pivot tables and charts computed from the new rows. One test file per template, so each has the
 * runner's whole per-file time limit on a slow machine. Each step's time is reported as a test diagnostic.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { resolve } from 'node:path';
import { runExport } from '../../src/pipeline/index.js';
import { repoRoot } from '../helpers/xlsx-check.js';
import { PG_URL } from './helpers.js';

export const ROWS = 100_000;
/**
 * The readers that read all 100,000 rows. Gnumeric is not among them for every template: on the LibreOffice-built one
 * its time grows with the square of the rows (measured: 0.45 s CPU at 10,000 rows, 1.6 s at 20,000, 57 s at 100,000;
 * 5 minutes on a loaded 2-core machine); there it reads a smaller fill of the same template.
 */
export const ALL_READERS = 'zip,openpyxl,libreoffice,gnumeric,xlsx2csv';

export const reference = (name: string): string => resolve(repoRoot, '../shared/excel-reference', name);

/** Runs `step`, reporting how long it took. */
export async function timed<T>(t: TestContext, label: string, step: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await step();
  t.diagnostic(`${label}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

export async function fillFromPostgres(t: TestContext, template: string, into: string, query: string, out: string, rows = ROWS): Promise<void> {
  const result = await timed(t, `fill ${rows} rows from PostgreSQL`, () => runExport({ source: PG_URL, query, out, template: { file: template, into }, threads: 2 }));
  assert.equal(result.rows, rows);
}

/** `n` with thousands separators and `decimals` decimals, as LibreOffice prints a sum in the en-US locale. */
export const printed = (n: number, decimals = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The one PDF page whose text matches `marker`. */
export function pageWith(pages: readonly string[], marker: RegExp): string {
  const found = pages.filter((page) => marker.test(page));
  assert.equal(found.length, 1, `one page matches ${marker}`);
  return found[0] as string;
}
