/**
 * Trace-coloring coverage: per color, how many requests started colored work and how many of them
 * carried the color through each hop (worker thread, database, output file). Coverage = hops ÷ requests.
 * Each hop counts once per trace context (a bitmask on the context), so retries do not inflate it.
 */
import { Counter, Registry } from 'prom-client';
import type { TraceContext } from './trace-context.js';

export type ColorHop = 'worker' | 'db' | 'file';
const HOP_BITS: Readonly<Record<ColorHop, number>> = { worker: 1, db: 2, file: 4 };
/** Marks the request itself as counted, in the same bitmask. */
const REQUEST_BIT = 8;

export interface ColoringOptions {
  /** Distinct colors tracked before new ones are counted as `other` (colors come from clients: bound the label). Default 20. */
  readonly maxColors?: number;
}

export class ColoringMetrics {
  readonly #requests: Counter<'color'>;
  readonly #hops: Counter<'color' | 'hop'>;
  readonly #colors = new Set<string>();
  readonly #maxColors: number;

  constructor(registry: Registry = new Registry(), options: ColoringOptions = {}) {
    this.#maxColors = options.maxColors ?? 20;
    this.#requests = new Counter({ name: 'sheetpipe_color_requests_total', help: 'Colored requests (baggage color=…) that started an export', labelNames: ['color'], registers: [registry] });
    this.#hops = new Counter({ name: 'sheetpipe_color_hops_total', help: 'Colored requests whose color reached a hop (worker, db, file)', labelNames: ['color', 'hop'], registers: [registry] });
  }

  /** Counts a colored request once (no-op without a color). */
  request(ctx: Pick<TraceContext, 'color' | 'hops'>): void {
    if (ctx.color === undefined || (ctx.hops & REQUEST_BIT) !== 0) return;
    ctx.hops |= REQUEST_BIT;
    this.#requests.inc({ color: this.#label(ctx.color) });
  }

  /** Counts that the color of `ctx` reached `hop`, once per context. Call it where the hop really happens. */
  hop(ctx: Pick<TraceContext, 'color' | 'hops'>, hop: ColorHop): void {
    const bit = HOP_BITS[hop];
    if (ctx.color === undefined || (ctx.hops & bit) !== 0) return;
    ctx.hops |= bit;
    this.#hops.inc({ color: this.#label(ctx.color), hop });
  }

  #label(color: string): string {
    if (this.#colors.has(color)) return color;
    if (this.#colors.size >= this.#maxColors) return 'other';
    this.#colors.add(color);
    return color;
  }
}
