/**
 * The flushed latency log: a small header, then fixed 64-byte records (latency-record.ts), all
 * little-endian. Rotations are `<file>.1` (newest) … `<file>.N`. Header (docs/observability.md):
 *
 *   0   8 bytes  magic "SPLATLOG"
 *   8   u16      format version (1)            10  u16  record size (64)
 *   12  u32      header size (multiple of 64)  16  f64  file created, epoch ms
 *   24  f64      same instant, monotonic ns (maps record start times to wall-clock time)
 *   32  f64      sampler threshold, ms         40  u32  route count     44  u32  reserved
 *   48  route table: per route id, u16 byte length + UTF-8 name
 */
import { readFile, stat } from 'node:fs/promises';
import { SheetpipeError } from '../errors.js';
import { RECORD_BYTES, RECORD_WORDS } from './latency-record.js';

export const LATENCY_FILE_MAGIC = 'SPLATLOG';
export const LATENCY_FILE_VERSION = 1;
const FIXED_HEADER = 48;

export interface LatencyFileHeader {
  readonly createdEpochMs: number;
  readonly createdMonotonicNs: number;
  readonly thresholdMs: number;
  /** Route names, index = route id. */
  readonly routes: readonly string[];
}

export function encodeHeader(header: LatencyFileHeader): Buffer {
  const names = header.routes.map((route) => Buffer.from(route, 'utf8').subarray(0, 0xffff));
  const used = FIXED_HEADER + names.reduce((sum, name) => sum + 2 + name.length, 0);
  const size = Math.ceil(used / RECORD_BYTES) * RECORD_BYTES;
  const buffer = Buffer.alloc(size);
  buffer.write(LATENCY_FILE_MAGIC, 0, 'latin1');
  buffer.writeUInt16LE(LATENCY_FILE_VERSION, 8);
  buffer.writeUInt16LE(RECORD_BYTES, 10);
  buffer.writeUInt32LE(size, 12);
  buffer.writeDoubleLE(header.createdEpochMs, 16);
  buffer.writeDoubleLE(header.createdMonotonicNs, 24);
  buffer.writeDoubleLE(header.thresholdMs, 32);
  buffer.writeUInt32LE(names.length, 40);
  let at = FIXED_HEADER;
  for (const name of names) {
    buffer.writeUInt16LE(name.length, at);
    name.copy(buffer, at + 2);
    at += 2 + name.length;
  }
  return buffer;
}

export interface LatencyFile {
  readonly path: string;
  readonly header: LatencyFileHeader;
  /** Record words (little-endian host order) and the same memory as float64. */
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly count: number;
  /** Bytes of a partly written last record (a crash mid-append), ignored. */
  readonly trailingBytes: number;
}

function bad(path: string, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_LATENCY_FILE', [path, why]);
}

/** Records are stored in host order and read back as typed arrays: only little-endian hosts (x64, arm64) are supported. */
export function assertLittleEndian(path: string): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw bad(path, 'latency logs need a little-endian host');
}

/** Reads one latency log file. */
export async function readLatencyFile(path: string): Promise<LatencyFile> {
  assertLittleEndian(path);
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_LATENCY_FILE', [path, (error as Error).message], { cause: error });
  }
  if (data.length < FIXED_HEADER || data.toString('latin1', 0, 8) !== LATENCY_FILE_MAGIC) throw bad(path, 'not a sheetpipe latency log (bad magic)');
  const version = data.readUInt16LE(8);
  if (version !== LATENCY_FILE_VERSION) throw bad(path, `format version ${version} is not supported (expected ${LATENCY_FILE_VERSION})`);
  if (data.readUInt16LE(10) !== RECORD_BYTES) throw bad(path, `record size ${data.readUInt16LE(10)} is not ${RECORD_BYTES}`);
  const headerBytes = data.readUInt32LE(12);
  if (headerBytes > data.length || headerBytes % RECORD_BYTES !== 0) throw bad(path, `header size ${headerBytes} is invalid`);
  const routes: string[] = [];
  let at = FIXED_HEADER;
  for (let i = data.readUInt32LE(40); i > 0; i--) {
    if (at + 2 > headerBytes) throw bad(path, 'route table runs past the header');
    const length = data.readUInt16LE(at);
    routes.push(data.toString('utf8', at + 2, at + 2 + length));
    at += 2 + length;
  }
  const count = Math.floor((data.length - headerBytes) / RECORD_BYTES);
  // Copy the records into an aligned buffer (a Buffer's byteOffset need not be a multiple of 8).
  const records = new Uint32Array(count * RECORD_WORDS);
  new Uint8Array(records.buffer).set(data.subarray(headerBytes, headerBytes + count * RECORD_BYTES));
  return {
    path,
    header: { createdEpochMs: data.readDoubleLE(16), createdMonotonicNs: data.readDoubleLE(24), thresholdMs: data.readDoubleLE(32), routes },
    u32: records,
    f64: new Float64Array(records.buffer),
    count,
    trailingBytes: (data.length - headerBytes) % RECORD_BYTES,
  };
}

/** `path` and its existing rotations, oldest first (`path.N` … `path.1`, `path`). */
export async function latencyFileSet(path: string, maxRotations = 1000): Promise<string[]> {
  const files: string[] = [];
  for (let i = 1; i <= maxRotations; i++) {
    const rotated = `${path}.${i}`;
    if (!(await stat(rotated).then(() => true, () => false))) break;
    files.unshift(rotated);
  }
  if (await stat(path).then(() => true, () => false)) files.push(path);
  if (files.length === 0) throw bad(path, 'no such file (nor any rotation of it)');
  return files;
}
