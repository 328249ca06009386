/**
 * Ctrl-C and SIGTERM cancel the running export: the pipeline aborts every stage and removes the
 * temp file before the process exits 1. A second signal exits at once, for a stage that does
 * not react.
 */
export function abortOnSignals(controller: AbortController, onSecondSignal: () => never): () => void {
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) onSecondSignal();
    controller.abort(`received ${name}`);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const name of signals) process.on(name, handler);
  return () => {
    for (const name of signals) process.off(name, handler);
  };
}
