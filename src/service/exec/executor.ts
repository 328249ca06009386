/**
 * The one switch between running an export in its own thread (production) and in this thread (a
 * caller's export function, buildApp's `runExport`): embedded jobs, direct downloads and distributed
 * workers all run their ExportSpec through an Executor, so they share one trace policy, one message
 * protocol and one error encoding.
 */
import { runHere, type ExportControl, type ExportOutcome, type RunExport } from './run-here.js';
import type { ExportSpec } from './spec.js';
import { runInThread } from './thread-runner.js';

export interface Executor {
  /** Settles after the export stopped and cleaned up; rejects with the export's SheetpipeError (or the abort reason). */
  run(spec: ExportSpec, control: ExportControl): Promise<ExportOutcome>;
}

export type ExecutorMode =
  | { readonly type: 'thread' }
  /** `asyncContext`: run under AsyncLocalStorage (the observability plugin's choice for the main thread). */
  | { readonly type: 'in-process'; readonly runExport: RunExport; readonly asyncContext: boolean };

export function createExecutor(mode: ExecutorMode): Executor {
  if (mode.type === 'thread') return { run: runInThread };
  return { run: (spec, control) => runHere(spec, control, mode.runExport, mode.asyncContext) };
}
