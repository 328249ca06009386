import { crc32 } from 'node:zlib';

export { crc32 };

/**
 * crc32Combine(crcA, crcB, lengthB) is the CRC-32 of A followed by B, from the two CRCs alone (zlib's
 * crc32_combine, which Node does not expose). Each worker computes its chunk's CRC; the ordered merge combines
 * them in O(log n) per chunk instead of re-reading the whole stream on the main thread.
 * Method: appending lengthB zero bytes to A is a linear map on the CRC register; apply it by repeated squaring
 * of the one-zero-bit operator in GF(2), then xor in crcB.
 */

const GF2_DIM = 32;

function gf2MatrixTimes(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  let i = 0;
  let vec = vector;
  while (vec !== 0) {
    if (vec & 1) sum ^= matrix[i] as number;
    vec >>>= 1;
    i++;
  }
  return sum >>> 0;
}

function gf2MatrixSquare(square: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < GF2_DIM; n++) square[n] = gf2MatrixTimes(matrix, matrix[n] as number);
}

export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(GF2_DIM);
  const odd = new Uint32Array(GF2_DIM);
  odd[0] = 0xedb88320; // the CRC-32 polynomial: operator for one zero bit
  let row = 1;
  for (let n = 1; n < GF2_DIM; n++) {
    odd[n] = row;
    row <<= 1;
  }
  gf2MatrixSquare(even, odd); // two zero bits
  gf2MatrixSquare(odd, even); // four zero bits
  let crc = crcA >>> 0;
  let len = lengthB;
  do {
    gf2MatrixSquare(even, odd);
    if (len % 2 === 1) crc = gf2MatrixTimes(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2MatrixSquare(odd, even);
    if (len % 2 === 1) crc = gf2MatrixTimes(odd, crc);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (crc ^ crcB) >>> 0;
}
