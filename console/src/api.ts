/**
 * The console is a client of the public `/v1` API, nothing more. The token lives in sessionStorage (gone when
 * the tab closes) and travels only in the Authorization header: never in a URL, so it is in no log, history
 * entry or Referer.
 */
const TOKEN_KEY = 'sheetpipe.token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An API error as the service sent it: `{ error: { code, message, traceId, param? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly traceId: string | null,
    readonly param: string | null,
  ) {
    super(message);
  }
}

/** Called on any 401: the token was wrong or has been revoked since sign-in. */
let onUnauthorized: (error: ApiError) => void = () => undefined;
export function whenUnauthorized(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { error?: Record<string, unknown> } | null;
  const error = body?.error ?? {};
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  return new ApiError(
    response.status,
    text(error.code) ?? `HTTP_${response.status}`,
    text(error.message) ?? `the service answered ${response.status} ${response.statusText}`,
    text(error.traceId),
    text(error.param),
  );
}

/** fetch with the token; a non-2xx answer throws its ApiError. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers, cache: 'no-store' });
  } catch (cause) {
    if ((cause as Error).name === 'AbortError') throw cause;
    throw new ApiError(0, 'NETWORK', 'the service cannot be reached (network error)', null, null);
  }
  if (response.ok) return response;
  const error = await errorOf(response);
  if (response.status === 401) onUnauthorized(error);
  throw error;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, signal === undefined ? {} : { signal })).json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  return (await (await request(path, init)).json()) as T;
}

export interface ParamDeclaration {
  readonly name: string;
  readonly type: 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime';
  readonly required: boolean;
  readonly default: unknown;
  readonly description: string | null;
}

/** A sheet of the workbook; `columns` is null for a single-query report (the query's own columns). */
export interface ReportSheet {
  readonly name: string;
  readonly table: boolean;
  readonly columns: readonly { name: string; header: string; hidden: boolean }[] | null;
  /** Title lines above the table, with `{param}` placeholders as written; null when none. */
  readonly title: readonly string[] | null;
}

export interface Report {
  readonly name: string;
  readonly description: string | null;
  readonly title: string | null;
  readonly params: readonly ParamDeclaration[];
  readonly sheets: readonly ReportSheet[];
  /** An About sheet (what ran, when, with which parameters) follows the sheets. */
  readonly about: boolean;
  readonly formats: readonly string[];
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface Job {
  readonly id: string;
  readonly report: string | null;
  readonly status: JobStatus;
  readonly format: string;
  readonly params: Record<string, unknown> | null;
  readonly rows: number;
  readonly bytes: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly schedule?: string | null;
  readonly traceId?: string | null;
  readonly error: { code: string; message: string } | null;
  readonly delivery?: { status: string } | null;
}

export const isFinished = (status: JobStatus): boolean => status === 'succeeded' || status === 'failed' || status === 'canceled';

/** Downloads a finished job's file: fetched with the token (a plain link could not send it), saved from a blob. */
export async function downloadJob(id: string): Promise<void> {
  const response = await request(`/v1/exports/${encodeURIComponent(id)}/file`);
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="([^"]+)"/i.exec(disposition)?.[1] ?? `${id}.xlsx`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = decodeURIComponent(name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
