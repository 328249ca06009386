/**
 * mulberry32: a tiny, fast 32-bit PRNG that gives the same sequence on every machine, for the demo database and the
 * benchmark dataset (deterministic data, not security). Returns a uint32 per call.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
