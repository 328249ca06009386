import { resolve } from 'node:path';
import { runExport } from '../../pipeline/index.js';
import type { ExportOptions, ExportResult } from '../../pipeline/types.js';
import { createProgressView, describeSummary, progressMode } from '../progress.js';
import { abortOnSignals } from '../signals.js';

export interface RunOptions {
  readonly progress: boolean;
}

/**
 * Runs one export with what a terminal user expects around it: progress on stderr, Ctrl-C and
 * SIGTERM cancelling it, and a one-line summary on stderr at the end.
 */
export async function runExportWithProgress(options: Omit<ExportOptions, 'signal' | 'onProgress'>, run: RunOptions): Promise<ExportResult> {
  const controller = new AbortController();
  const view = createProgressView(process.stderr, progressMode(process.stderr, run.progress));
  const stopSignals = abortOnSignals(controller, () => {
    view.clear();
    process.stderr.write('sheetpipe: cancelled (second signal, exiting at once)\n');
    process.exit(1);
  });
  try {
    const result = await runExport({ ...options, signal: controller.signal, onProgress: (progress) => view.update(progress) });
    view.clear();
    const destination = typeof options.out === 'string' && options.out !== '-' ? resolve(options.out) : 'standard output';
    process.stderr.write(`${describeSummary(result, destination)}\n`);
    return result;
  } finally {
    view.clear();
    stopSignals();
  }
}
