// ZIP64 where it is really needed, not forced: an entry of 4 GiB + 1 byte and an entry whose local header starts past
// 4 GiB, through a sink that counts every byte but keeps only the central directory and end records, which are then
// read field by field against APPNOTE 4.3.12–4.3.16 and 4.5.3. (The bench's article case checks a real 12 GB file
// with unzip -t and openpyxl; this pins the layout in seconds.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ZipWriter } from '../../src/zip/zip-writer.js';

const GIB = 2 ** 30;
const MAX32 = 0xffffffff;

/** Counts what is written; keeps the bytes only once `keeping` is set. */
class TailSink extends Writable {
  written = 0;
  keeping = false;
  readonly kept: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written += chunk.length;
    if (this.keeping) this.kept.push(Buffer.from(chunk));
    done();
  }
}

/** The ZIP64 extended-information extra field (0x0001) of a central header, as 64-bit values. */
function zip64Values(extra: Buffer): bigint[] {
  assert.equal(extra.readUInt16LE(0), 0x0001);
  const size = extra.readUInt16LE(2);
  return Array.from({ length: size / 8 }, (_, i) => extra.readBigUInt64LE(4 + i * 8));
}

test('past 4 GiB: ZIP64 sizes for the big entry, a ZIP64 offset for the entry after it, ZIP64 end record and locator', async () => {
  const sink = new TailSink();
  const zip = new ZipWriter(sink, { modified: new Date(Date.UTC(2026, 0, 1)) });
  const block = Buffer.alloc(256 * 2 ** 20);
  const bigSize = 4 * GIB + 1;

  await zip.beginEntry('big.bin', true);
  for (let i = 0; i < 16; i++) await zip.writeData(block);
  await zip.writeData(Buffer.from([1]));
  await zip.endEntry(0x12345678, bigSize);
  const secondOffset = zip.bytesWritten;
  assert.equal(secondOffset, 30 + 'big.bin'.length + 20 + bigSize + 24, 'local header + ZIP64 extra, data, ZIP64 descriptor');
  await zip.beginEntry('small.xml', false);
  await zip.writeData(Buffer.from('abc'));
  await zip.endEntry(0x9abcdef0, 3);
  const centralOffset = zip.bytesWritten;
  sink.keeping = true;
  await zip.finish();
  const tail = Buffer.concat(sink.kept);
  assert.equal(sink.written, centralOffset + tail.length);

  // Central header of big.bin: both sizes overflow, its offset (0) does not.
  let at = 0;
  assert.equal(tail.readUInt32LE(at), 0x02014b50);
  assert.equal(tail.readUInt16LE(at + 6), 45, 'version needed 4.5');
  assert.equal(tail.readUInt32LE(at + 16), 0x12345678);
  assert.equal(tail.readUInt32LE(at + 20), MAX32);
  assert.equal(tail.readUInt32LE(at + 24), MAX32);
  let nameLength = tail.readUInt16LE(at + 28);
  let extraLength = tail.readUInt16LE(at + 30);
  assert.equal(tail.readUInt32LE(at + 42), 0, 'offset fits 32 bits');
  assert.deepEqual(zip64Values(tail.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength)), [BigInt(bigSize), BigInt(bigSize)],
    'uncompressed then compressed size, no offset');
  at += 46 + nameLength + extraLength;

  // Central header of small.xml: sizes fit, its local header offset does not.
  assert.equal(tail.readUInt32LE(at), 0x02014b50);
  assert.equal(tail.readUInt16LE(at + 6), 45);
  assert.equal(tail.readUInt32LE(at + 20), 3);
  assert.equal(tail.readUInt32LE(at + 24), 3);
  nameLength = tail.readUInt16LE(at + 28);
  extraLength = tail.readUInt16LE(at + 30);
  assert.equal(tail.subarray(at + 46, at + 46 + nameLength).toString(), 'small.xml');
  assert.equal(tail.readUInt32LE(at + 42), MAX32);
  assert.deepEqual(zip64Values(tail.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength)), [BigInt(secondOffset)], 'the offset only');
  at += 46 + nameLength + extraLength;
  const centralSize = at;

  // ZIP64 end of central directory record, then its locator, then the classic end record pointing to them.
  assert.equal(tail.readUInt32LE(at), 0x06064b50);
  assert.equal(tail.readBigUInt64LE(at + 4), 44n);
  assert.equal(tail.readBigUInt64LE(at + 24), 2n, 'entries on this disk');
  assert.equal(tail.readBigUInt64LE(at + 32), 2n, 'entries in total');
  assert.equal(tail.readBigUInt64LE(at + 40), BigInt(centralSize));
  assert.equal(tail.readBigUInt64LE(at + 48), BigInt(centralOffset));
  const locator = at + 56;
  assert.equal(tail.readUInt32LE(locator), 0x07064b50);
  assert.equal(tail.readBigUInt64LE(locator + 8), BigInt(centralOffset + centralSize), 'where the ZIP64 end record starts');
  assert.equal(tail.readUInt32LE(locator + 16), 1, 'one disk');
  const end = locator + 20;
  assert.equal(tail.readUInt32LE(end), 0x06054b50);
  assert.equal(tail.readUInt16LE(end + 10), 2);
  assert.equal(tail.readUInt32LE(end + 16), MAX32, 'the central directory offset is in the ZIP64 record');
  assert.equal(end + 22, tail.length, 'nothing after the end record');
});
