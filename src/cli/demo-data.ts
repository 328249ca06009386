/**
 * The demo database: a SQLite file with one `orders` table of deterministic pseudo-random but
 * realistic rows. Built into a temp file in one transaction with one prepared statement and
 * renamed when complete; reused while its recorded row count and data version match.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { SheetpipeError } from '../errors.js';
import { createDateFormatter } from '../pipeline/date-text.js';
import { mulberry32 } from '../util/mulberry32.js';

/** Bump when the generated data changes, so old cached databases are rebuilt. */
export const DEMO_DATA_VERSION = '3';
/** Rows inserted between event-loop turns, so Ctrl-C can stop a long build. */
const ROWS_PER_TURN = 20_000;
const CUSTOMERS = 25_000;
const FIRST_ORDER_MS = Date.UTC(2023, 0, 1);
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;

const FIRST = ['Anna', 'Ben', 'Chloé', 'David', 'Elif', 'Finn', 'Grace', 'Hiroshi', 'Inès', 'Jonas', 'Kateřina', 'Lars', 'María', 'Noah', 'Olga', 'Priya', 'Quentin', 'Rosa', 'Søren', 'Tomás', 'Uma', 'Vincent', 'Wei', 'Xavier', 'Yara', 'Zoë'];
const LAST = ['Andersen', 'Brown', 'Castillo', 'Dubois', 'Eriksson', 'Fischer', 'García', 'Hoffmann', 'Ivanova', 'Jensen', 'Kowalski', 'López', 'Müller', 'Nakamura', 'O\'Brien', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Weiß', 'Yılmaz', 'Zhang'];
const COUNTRIES = ['DE', 'FR', 'GB', 'US', 'ES', 'IT', 'NL', 'SE', 'PL', 'JP', 'CH', 'AT'];
const CURRENCY_OF: Record<string, string> = { GB: 'GBP', US: 'USD', SE: 'SEK', PL: 'PLN', JP: 'JPY', CH: 'CHF' };
const STATUSES = ['delivered', 'delivered', 'delivered', 'delivered', 'shipped', 'shipped', 'processing', 'pending', 'cancelled', 'refunded'];
const NOTES = [
  'Leave at the back door, please',
  'Customer asked for "express" delivery',
  'Gift wrap\nwith a card: Happy birthday!',
  'Rechnung an die Firma — bitte mit USt-IdNr.',
  '配達は午前中希望',
  'Call before delivery: +44 20 7946 0958',
  'Replacement for order returned damaged; no charge',
  'Livraison à l\'accueil, bâtiment B',
  '  leading and trailing spaces  ',
  'Fragile 🍷 handle with care',
];

export const DEMO_COLUMNS = ['id', 'order_number', 'customer_id', 'customer_name', 'customer_email', 'country', 'amount', 'currency', 'status', 'ordered_at', 'shipped_on', 'is_gift', 'notes'] as const;

/** The declared type of each column, in DEMO_COLUMNS order: what the export maps the values by. */
export const DEMO_TYPES = ['integer', 'text', 'integer', 'text', 'text', 'text', 'numeric(12, 2)', 'text', 'text', 'datetime', 'date', 'boolean', 'text'] as const;
/** Columns that may hold NULL. */
const NULLABLE = new Set<string>(['shipped_on', 'notes']);

const SCHEMA = `
  create table orders (
    ${DEMO_COLUMNS.map((name, c) => `${name} ${DEMO_TYPES[c]}${c === 0 ? ' primary key' : NULLABLE.has(name) ? '' : ' not null'}`).join(',\n    ')}
  );
  create table demo_meta (key text primary key, value text not null);
`;

/** Uniform in [0, 1), the same sequence on every machine. */
function random(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

interface Customer {
  readonly name: string;
  readonly email: string;
  readonly country: string;
  readonly currency: string;
}

/** Customers are derived once, so the per-row loop only picks one. */
function customers(): Customer[] {
  const next = random(0xc0ffee);
  return Array.from({ length: CUSTOMERS }, (_, i) => {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(next() * LAST.length)] as string;
    const country = COUNTRIES[Math.floor(next() * COUNTRIES.length)] as string;
    const ascii = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    return { name: `${first} ${last}`, email: `${ascii}${i + 1}@example.com`, country, currency: CURRENCY_OF[country] ?? 'EUR' };
  });
}

const DAY_MS = 86_400_000;

function isCurrent(path: string, rows: number): boolean {
  if (!existsSync(path)) return false;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const meta = new Map(db.prepare('select key, value from demo_meta').all().map((row) => {
        const { key, value } = row as { key: string; value: string };
        return [key, value];
      }));
      return meta.get('rows') === String(rows) && meta.get('version') === DEMO_DATA_VERSION;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/**
 * One demo order as stored, in DEMO_COLUMNS order, with its times as epoch milliseconds (UTC wall clock; shipped_on
 * is a whole day) and is_gift as 0/1. The benchmark's in-process reference (bench/cases/demo.ts) writes the same rows.
 */
export type DemoOrder = [
  id: number, orderNumber: string, customerId: number, customerName: string, customerEmail: string, country: string,
  amount: number, currency: string, status: string, orderedMs: number, shippedDayMs: number | null, isGift: 0 | 1, notes: string | null,
];

/** The demo's `rows` orders, the same on every machine (DEMO_DATA_VERSION names this sequence). */
export function* demoOrders(rows: number): Generator<DemoOrder> {
  const people = customers();
  const next = random(0x5eed);
  for (let id = 1; id <= rows; id++) {
    const customerId = 1 + Math.floor(next() * CUSTOMERS);
    const customer = people[customerId - 1] as Customer;
    const status = STATUSES[Math.floor(next() * STATUSES.length)] as string;
    const orderedMs = FIRST_ORDER_MS + Math.floor(((id - 1) / rows) * (SPAN_MS / 1000)) * 1000 + Math.floor(next() * 3600) * 1000;
    const shippedMs = status === 'delivered' || status === 'shipped' ? orderedMs + (1 + Math.floor(next() * 6)) * DAY_MS : undefined;
    const cents = Math.round((4.99 + next() ** 3 * 2500) * 100);
    const amount = customer.currency === 'JPY' ? cents : cents / 100;
    const note = next() < 0.25 ? (NOTES[Math.floor(next() * NOTES.length)] as string) : null;
    const gift = next() < 0.08 ? 1 : 0;
    const shippedDay = shippedMs === undefined ? null : Math.floor(shippedMs / DAY_MS) * DAY_MS;
    yield [id, `SO-${String(id).padStart(7, '0')}`, customerId, customer.name, customer.email, customer.country, amount, customer.currency, status, orderedMs, shippedDay, gift, note];
  }
}

async function build(path: string, rows: number, signal: AbortSignal): Promise<void> {
  const db = new Database(path);
  try {
    // Nothing to protect until the rename: durability settings only slow the build down.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA);
    // One row per call: 100-row multi-value inserts measured no faster in CPU time (SQLite's own work dominates).
    const insert = db.prepare('insert into orders values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    // SQLite's text forms `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD` (whole seconds, so no fraction).
    const orderedText = createDateFormatter('datetime');
    const shippedText = createDateFormatter('date');
    db.exec('begin');
    for (const order of demoOrders(rows)) {
      const id = order[0];
      insert.run(...order.slice(0, 9), orderedText(order[9]), order[10] === null ? null : shippedText(order[10]), order[11], order[12]);
      if (id % ROWS_PER_TURN === 0) {
        await nextMacrotask();
        if (signal.aborted) throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', [String(signal.reason)]);
      }
    }
    db.prepare('insert into demo_meta values (?, ?), (?, ?)').run('rows', String(rows), 'version', DEMO_DATA_VERSION);
    db.exec('commit');
  } finally {
    db.close();
  }
}

export interface DemoDatabase {
  readonly path: string;
  /** False when an existing database with the same row count was reused. */
  readonly built: boolean;
  readonly ms: number;
}

/** Returns a demo database with `rows` orders at `path`, building it only when needed. */
export async function ensureDemoDatabase(path: string, rows: number, signal: AbortSignal): Promise<DemoDatabase> {
  const started = performance.now();
  if (isCurrent(path, rows)) return { path, built: false, ms: performance.now() - started };
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    await build(temp, rows, signal);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    if (error instanceof SheetpipeError) throw error;
    throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [path, error instanceof Error ? error.message : String(error)], { cause: error });
  }
  return { path, built: true, ms: performance.now() - started };
}
