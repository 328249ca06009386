/**
 * Route strings (`GET /v1/exports/:id`) <-> the u16 ids stored in latency records.
 * Id 0 is reserved for requests that matched no route; ids are handed out in registration order.
 */
import { SheetpipeError } from '../errors.js';

export const UNMATCHED_ROUTE = '(unmatched)';
const MAX_ROUTES = 0xffff;

export class RouteTable {
  readonly #ids = new Map<string, number>([[UNMATCHED_ROUTE, 0]]);
  readonly #names: string[] = [UNMATCHED_ROUTE];

  /** Builds a table from names in id order (as stored in a latency file header); names[0] is the unmatched route. */
  static fromNames(names: readonly string[]): RouteTable {
    const table = new RouteTable();
    for (const name of names.slice(1)) table.idFor(name);
    return table;
  }

  /** The id of `route`, assigned on first use. Beyond 65,535 routes every new route shares id 0. */
  idFor(route: string): number {
    const known = this.#ids.get(route);
    if (known !== undefined) return known;
    if (this.#names.length > MAX_ROUTES) return 0;
    if (route.length === 0) throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['route', 'a route name must not be empty']);
    const id = this.#names.length;
    this.#ids.set(route, id);
    this.#names.push(route);
    return id;
  }

  /** The route string for `id`, or `route #<id>` for an id this table never handed out. */
  nameOf(id: number): string {
    return this.#names[id] ?? `route #${id}`;
  }

  /** Route names in id order (index = id). */
  names(): readonly string[] {
    return this.#names;
  }

  get size(): number {
    return this.#names.length;
  }
}
