import type { Formula } from './types.js';

/** An explicit formula cell: the only way to get one, since strings starting with `=` stay text. */
export function formula(expression: string, result?: number | string | boolean): Formula {
  return result === undefined ? { formula: expression } : { formula: expression, result };
}
