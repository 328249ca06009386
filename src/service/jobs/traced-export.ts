/**
 * One export run under its trace context, wherever it runs (a job's worker thread, or in-process for
 * direct downloads): the context is entered into AsyncLocalStorage for the run, goes into the SQL as a
 * sqlcommenter comment and into the file as custom properties, and each coloring hop is reported
 * where it really happens:
 *   db    the source's query() resolved, so the statement carrying the comment reached the database
 *         (not for csv: sources, which run no SQL)
 *   file  the export finished an .xlsx, whose docProps/custom.xml holds traceId and color (CSV has no properties)
 * The `worker` hop is the caller's: only a worker thread that received the context can report it.
 * On the main thread, AsyncLocalStorage is entered only when the observability plugin enters it for
 * requests too (on Node 20 using it at all taxes every promise of the thread: trace-context.ts).
 */
import type { ColorHop } from '../../observability/coloring.js';
import { fileProperties, runWithTrace, sqlComment, type TraceContext } from '../../observability/trace-context.js';
import { formatForOut } from '../../pipeline/plan.js';
import type { ExportOptions, ExportResult } from '../../pipeline/types.js';
import { isSource, openSource } from '../../sources/index.js';
import type { Source } from '../../sources/types.js';
import type { RunExport } from './pipeline-runner.js';

export interface TracedRunOptions {
  readonly onHop?: (hop: Exclude<ColorHop, 'worker'>) => void;
  /** Ms from sending the statement to its first rows (the source's query() call): the run's database wait. */
  readonly onQueryWait?: (ms: number) => void;
  /** Run inside AsyncLocalStorage (currentTrace()). Default true; on the main thread pass Observability.asyncContext. */
  readonly asyncContext?: boolean;
}

/** A view of `source` that reports when query() resolved, and after how long. */
function observedSource(source: Source, onQuery: (ms: number, commented: boolean) => void): Source {
  return {
    kind: source.kind,
    async query(request) {
      const started = performance.now();
      const cursor = await source.query(request);
      onQuery(performance.now() - started, source.kind !== 'csv' && request.comment !== undefined && request.comment !== '');
      return cursor;
    },
    close: () => source.close(),
  };
}

/**
 * Runs `options` under `trace` (or plainly, without one). Ends the trace's span when the run settles.
 * Errors are the export's own.
 */
export async function runTracedExport(runExport: RunExport, options: ExportOptions, trace: TraceContext | undefined, run: TracedRunOptions = {}): Promise<ExportResult> {
  if (trace === undefined) return runExport(options);
  // Opened here, not by runExport, so the query can be observed; closed here for the same reason.
  const source = isSource(options.source) ? options.source : await openSource(options.source);
  try {
    const traced = (): Promise<ExportResult> =>
      runExport({
        ...options,
        source: observedSource(source, (ms, commented) => {
          run.onQueryWait?.(ms);
          if (commented) run.onHop?.('db');
        }),
        sqlComment: sqlComment(trace),
        customProperties: { ...options.customProperties, ...fileProperties(trace) },
      });
    const result = await (run.asyncContext === false ? traced() : runWithTrace(trace, traced));
    if ((options.format ?? formatForOut(options.out)) === 'xlsx') run.onHop?.('file');
    return result;
  } finally {
    if (source !== options.source) await source.close().catch(() => undefined);
    trace.end();
  }
}
