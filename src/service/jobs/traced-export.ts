/**
 * One export run under its trace context, wherever it runs (a job's worker thread, or in-process for
 * direct downloads): the context is entered into AsyncLocalStorage for the run, goes into the SQL as a
 * sqlcommenter comment and into the file as custom properties, and each coloring hop is reported
 * where it really happens:
 *   db    the source's query() resolved, so the statement carrying the comment reached the database
 *         (not for csv: sources, which run no SQL)
 *   file  the export finished an .xlsx, whose docProps/custom.xml holds traceId and color (CSV has no properties)
 * The `worker` hop is the caller's: only a worker thread that received the context can report it.
 */
import type { ColorHop } from '../../observability/coloring.js';
import { fileProperties, runWithTrace, sqlComment, type TraceContext } from '../../observability/trace-context.js';
import { formatForOut } from '../../pipeline/plan.js';
import type { ExportOptions, ExportResult } from '../../pipeline/types.js';
import { isSource, openSource } from '../../sources/index.js';
import type { Source } from '../../sources/types.js';
import type { RunExport } from './pipeline-runner.js';

export interface TracedRunEvents {
  readonly onHop?: (hop: Exclude<ColorHop, 'worker'>) => void;
  /** Ms from sending the statement to its first rows (the source's query() call): the run's database wait. */
  readonly onQueryWait?: (ms: number) => void;
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
export async function runTracedExport(runExport: RunExport, options: ExportOptions, trace: TraceContext | undefined, events: TracedRunEvents = {}): Promise<ExportResult> {
  if (trace === undefined) return runExport(options);
  // Opened here, not by runExport, so the query can be observed; closed here for the same reason.
  const source = isSource(options.source) ? options.source : await openSource(options.source);
  try {
    const result = await runWithTrace(trace, () =>
      runExport({
        ...options,
        source: observedSource(source, (ms, commented) => {
          events.onQueryWait?.(ms);
          if (commented) events.onHop?.('db');
        }),
        sqlComment: sqlComment(trace),
        customProperties: { ...options.customProperties, ...fileProperties(trace) },
      }),
    );
    if ((options.format ?? formatForOut(options.out)) === 'xlsx') events.onHop?.('file');
    return result;
  } finally {
    if (source !== options.source) await source.close().catch(() => undefined);
    trace.end();
  }
}
