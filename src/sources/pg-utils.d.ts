// pg ships no types for its helpers; this declares the one sheetpipe uses (pg 8.x).
declare module 'pg/lib/utils.js' {
  /** A parameter value in the form pg sends it: text, a Buffer (sent binary) or null. */
  export function prepareValue(value: unknown): string | Buffer | null;
}
