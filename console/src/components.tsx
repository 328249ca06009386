/** Small shared pieces: an error box that says what to quote to support, and a focusable scroll area for tables. */
import type { ComponentChildren } from 'preact';
import { ApiError } from './api.js';

export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <div class="error" role="alert">
      <p>{api ? api.message : String((error as Error).message ?? error)}</p>
      {api?.traceId ? <p class="trace">Trace id to quote to support: <code>{api.traceId}</code></p> : null}
    </div>
  );
}

/** Wide tables scroll inside a region a keyboard user can focus. */
export function TableArea({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-area" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
