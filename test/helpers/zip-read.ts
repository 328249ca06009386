import { inflateRawSync } from 'node:zlib';

export interface ZipEntryInfo {
  name: string;
  method: number;
  versionNeeded: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  localExtraLength: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;

function findEocd(zip: Buffer): number {
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) if (zip.readUInt32LE(i) === EOCD) return i;
  throw new Error('no end of central directory record');
}

/** A small reader for tests: lists central-directory entries (ZIP64 aware) and inflates them. */
export function listEntries(zip: Buffer): ZipEntryInfo[] {
  const eocd = findEocd(zip);
  let count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff) {
    const record = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    count = Number(zip.readBigUInt64LE(record + 32));
    offset = Number(zip.readBigUInt64LE(record + 48));
  }
  const entries: ZipEntryInfo[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    let compressedSize = zip.readUInt32LE(offset + 20);
    let uncompressedSize = zip.readUInt32LE(offset + 24);
    let localOffset = zip.readUInt32LE(offset + 42);
    const extra = zip.subarray(offset + 46 + nameLength, offset + 46 + nameLength + extraLength);
    if (extra.length >= 4 && extra.readUInt16LE(0) === 1) {
      let at = 4;
      if (uncompressedSize === 0xffffffff) (uncompressedSize = Number(extra.readBigUInt64LE(at))), (at += 8);
      if (compressedSize === 0xffffffff) (compressedSize = Number(extra.readBigUInt64LE(at))), (at += 8);
      if (localOffset === 0xffffffff) localOffset = Number(extra.readBigUInt64LE(at));
    }
    entries.push({
      name,
      method: zip.readUInt16LE(offset + 10),
      versionNeeded: zip.readUInt16LE(offset + 6),
      crc: zip.readUInt32LE(offset + 16),
      compressedSize,
      uncompressedSize,
      localOffset,
      localExtraLength: zip.readUInt16LE(localOffset + 28),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

export function readEntry(zip: Buffer, entry: ZipEntryInfo): Buffer {
  const nameLength = zip.readUInt16LE(entry.localOffset + 26);
  const start = entry.localOffset + 30 + nameLength + entry.localExtraLength;
  return inflateRawSync(zip.subarray(start, start + entry.compressedSize));
}

export function readAllEntries(zip: Buffer): Map<string, string> {
  return new Map(listEntries(zip).map((entry) => [entry.name, readEntry(zip, entry).toString('utf8')]));
}

export function hasZip64EndRecord(zip: Buffer): boolean {
  const eocd = findEocd(zip);
  return eocd >= 20 && zip.readUInt32LE(eocd - 20) === ZIP64_LOCATOR;
}
