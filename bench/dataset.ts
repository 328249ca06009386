/**
 * The benchmark dataset of /work/shared/ANCHORS.md: 10 columns, deterministic for a seed.
 *
 *   id  amount  qty  name  city  created_at  active  note  ratio  code
 *   1   412.07  37   Ada…  Oslo  2024-01-01  true    …     0.31…  K-004211
 *
 * Rows are produced in batches; every row is a fresh array (writers may keep it), while the
 * strings come from pools built once, so generating costs little beyond the arrays and Dates.
 * The PostgreSQL table (bench/db/table.ts) draws from the same pools with the same shapes.
 */
import { mulberry32 } from '../src/util/mulberry32.js';

/** Header names, in column order. */
export const COLUMN_NAMES = [
  'id', 'amount', 'qty', 'name', 'city', 'created_at', 'active', 'note', 'ratio', 'code',
] as const;

/** Index of the datetime column (the one writers give a date format). */
export const DATETIME_COLUMN = 5;

export type DatasetRow = [
  id: number,
  amount: number,
  qty: number,
  name: string,
  city: string,
  createdAt: Date,
  active: boolean,
  note: string,
  ratio: number,
  code: string,
];

export const DEFAULT_SEED = 20261123;
export const NOTE_MIN = 20;
export const NOTE_MAX = 60;
/** created_at of row i is BASE + i × STEP + a random 0–29 s. */
export const CREATED_BASE_MS = Date.UTC(2024, 0, 1);
export const CREATED_STEP_S = 31;

export { mulberry32 };

const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Bjorn', 'Carmen', 'Chen', 'Dmitri', 'Elena', 'Farah', 'Grace',
  'Hiro', 'Ines', 'Jamal', 'Kira', 'Lars', 'Leila', 'Marta', 'Mateo', 'Nadia', 'Noah',
  'Olga', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sami', 'Sofia', 'Tariq', 'Ursula', 'Viktor',
  'Wen', 'Ximena', 'Yusuf', 'Zoe', 'Aiko', 'Bruno', 'Chloe', 'Diego', 'Emil', 'Freya',
];
const LAST_NAMES = [
  'Lovelace', 'Turing', 'Hopper', 'Okafor', 'Novak', 'Garcia', 'Nakamura', 'Schmidt', 'Rossi', 'Haddad',
  'Kowalski', 'Andersen', 'Moreau', 'Silva', 'Petrov', 'Khan', 'Dubois', 'Fischer', 'Costa', 'Ivanova',
  'Larsen', 'Mendes', 'Sato', 'Weber', 'Yilmaz',
];
export const CITY_POOL: readonly string[] = [
  'Amsterdam', 'Athens', 'Bangkok', 'Barcelona', 'Berlin', 'Bogota', 'Boston', 'Brussels', 'Budapest', 'Cairo',
  'Chicago', 'Copenhagen', 'Dakar', 'Delhi', 'Dublin', 'Edinburgh', 'Helsinki', 'Istanbul', 'Jakarta', 'Johannesburg',
  'Kyiv', 'Lagos', 'Lima', 'Lisbon', 'London', 'Madrid', 'Manila', 'Melbourne', 'Mexico City', 'Milan',
  'Montreal', 'Mumbai', 'Nairobi', 'Osaka', 'Oslo', 'Paris', 'Prague', 'Reykjavik', 'Riga', 'Rome',
  'Santiago', 'Seoul', 'Singapore', 'Stockholm', 'Sydney', 'Tallinn', 'Tokyo', 'Toronto', 'Vienna', 'Warsaw',
];
/** 40 first × 25 last names = the pool of 1,000. */
export const NAME_POOL: readonly string[] = FIRST_NAMES.flatMap((first) => LAST_NAMES.map((last) => `${first} ${last}`));

export const NOTE_WORDS: readonly string[] = (
  'order shipped delayed customer asked for gift wrap please call before delivery leave at door ' +
  'fragile handle with care invoice attached paid by card refund pending second attempt warehouse ' +
  'north south east west express standard pickup weekend morning evening damaged box replaced item ' +
  'color size upgrade loyalty discount applied coupon expired address updated confirmed via email'
).split(' ');

/** 1 MiB of words: slices of it at word starts give ~170k starts × 41 lengths, so notes are mostly unique. */
export const NOTE_TEXT_LENGTH = 1 << 20;

function buildNoteText(seed: number): { text: string; wordStarts: Uint32Array } {
  const next = mulberry32(seed ^ 0x9e3779b9);
  const words: string[] = [];
  const starts: number[] = [];
  let length = 0;
  while (length < NOTE_TEXT_LENGTH + NOTE_MAX) {
    const word = NOTE_WORDS[next() % NOTE_WORDS.length] as string;
    if (length + NOTE_MAX < NOTE_TEXT_LENGTH) starts.push(length);
    words.push(word);
    length += word.length + 1;
  }
  return { text: words.join(' '), wordStarts: Uint32Array.from(starts) };
}

const CODE_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const UINT32 = 2 ** 32;

export interface DatasetOptions {
  readonly rows: number;
  /** Rows per yielded batch (default 2,048). */
  readonly batchRows?: number;
  readonly seed?: number;
}

/** Yields the dataset's rows in batches; the same seed gives the same rows. */
export function* datasetBatches(options: DatasetOptions): Generator<DatasetRow[]> {
  const { rows, batchRows = 2048, seed = DEFAULT_SEED } = options;
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
  const next = mulberry32(seed);
  const { text, wordStarts } = buildNoteText(seed);
  for (let start = 0; start < rows; start += batchRows) {
    const end = Math.min(rows, start + batchRows);
    const batch: DatasetRow[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      const id = i + 1;
      const noteStart = wordStarts[next() % wordStarts.length] as number;
      let noteLength = NOTE_MIN + 1 + (next() % (NOTE_MAX - NOTE_MIN));
      // Never end a note on the space between two words.
      if (text.charCodeAt(noteStart + noteLength - 1) === 32) noteLength--;
      batch[i - start] = [
        id,
        Math.round((next() / UINT32) * 100000) / 100,
        1 + (next() % 100),
        NAME_POOL[next() % NAME_POOL.length] as string,
        CITY_POOL[next() % CITY_POOL.length] as string,
        new Date(CREATED_BASE_MS + (id * CREATED_STEP_S + (next() % 30)) * 1000),
        (next() & 1) === 1,
        text.slice(noteStart, noteStart + noteLength),
        next() / UINT32,
        `${CODE_LETTERS[next() % 26]}-${String(next() % 1000000).padStart(6, '0')}`,
      ];
    }
    yield batch;
  }
}

/** Writes the dataset's rows to a sheet batch by batch (with its backpressure); returns the rows written. */
export async function addDataset(sheet: { addBatch(rows: DatasetRow[]): Promise<void> }, rows: number): Promise<number> {
  let written = 0;
  for (const batch of datasetBatches({ rows })) {
    await sheet.addBatch(batch);
    written += batch.length;
  }
  return written;
}
