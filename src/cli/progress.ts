/**
 * Progress on stderr: a bar redrawn in place (at most 10 times a second) when stderr is a
 * terminal, a plain line every 2 seconds when it is not (logs, CI), nothing with --no-progress.
 */
import type { ExportProgress, ExportResult } from '../pipeline/types.js';
import { formatBytes, formatCount, formatSeconds, plural, rowsPerSecond } from './format.js';

export type ProgressMode = 'bar' | 'lines' | 'off';

export interface ProgressView {
  update(progress: ExportProgress): void;
  /** Removes the bar so the next line starts clean. */
  clear(): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const BAR_INTERVAL_MS = 100;
const LINE_INTERVAL_MS = 2000;
const BAR_WIDTH = 20;

export function progressMode(stream: ProgressStream, enabled: boolean): ProgressMode {
  if (!enabled) return 'off';
  return stream.isTTY ? 'bar' : 'lines';
}

/** e.g. `[████████░░░░░░░░░░░░]  42%  420,000/1,000,000 rows  310,000 rows/s  12.4 MB  1.40 s  ETA 1.90 s` */
export function describeProgress(progress: ExportProgress, withBar: boolean): string {
  const { rows, bytes, totalRows, elapsedMs } = progress;
  const rate = rowsPerSecond(rows, elapsedMs);
  const parts: string[] = [];
  if (totalRows !== undefined && totalRows > 0) {
    const fraction = Math.min(1, rows / totalRows);
    if (withBar) {
      const filled = Math.round(fraction * BAR_WIDTH);
      parts.push(`[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`);
    }
    // The bar pads the percentage so the line does not jitter as it grows.
    const percent = `${Math.floor(fraction * 100)}%`;
    parts.push(withBar ? percent.padStart(4) : percent, `${formatCount(rows)}/${formatCount(totalRows)} rows`);
  } else {
    parts.push(`${formatCount(rows)} rows`);
  }
  parts.push(`${formatCount(rate)} rows/s`, formatBytes(bytes), formatSeconds(elapsedMs));
  if (totalRows !== undefined && rate > 0 && rows < totalRows) parts.push(`ETA ${formatSeconds(((totalRows - rows) / rate) * 1000)}`);
  return parts.join('  ');
}

/** One line: `exported 1,000,000 rows, 1 sheet, 45.2 MB in 3.21 s (311,526 rows/s) to /abs/orders.xlsx` */
export function describeSummary(result: ExportResult, destination: string): string {
  const sheets = result.sheets.length === 0 ? 'CSV' : plural(result.sheets.length, 'sheet');
  const rate = formatCount(rowsPerSecond(result.rows, result.durationMs));
  return `exported ${plural(result.rows, 'row')}, ${sheets}, ${formatBytes(result.bytes)} in ${formatSeconds(result.durationMs)} (${rate} rows/s) to ${destination}`;
}

export function createProgressView(stream: ProgressStream, mode: ProgressMode, now: () => number = Date.now): ProgressView {
  if (mode === 'off') return { update() {}, clear() {} };
  const interval = mode === 'bar' ? BAR_INTERVAL_MS : LINE_INTERVAL_MS;
  let last = mode === 'bar' ? -Infinity : now();
  let drawn = false;
  return {
    update(progress) {
      const time = now();
      if (time - last < interval) return;
      last = time;
      if (mode === 'lines') {
        stream.write(`sheetpipe: ${describeProgress(progress, false)}\n`);
        return;
      }
      const width = Math.max(20, (stream.columns || 80) - 1); // a pty without a size reports 0 columns
      stream.write(`\r${describeProgress(progress, true).slice(0, width)}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
