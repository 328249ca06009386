/**
 * The `k` entries with the largest values among the first `n` of `values`, by a bounded min-heap: O(n log k)
 * instead of sorting all n. Answers their `ids` (unordered). Used by the latency ring's slowest(): sorting
 * every committed record of a full ring (65,536) took ~66 ms of the event loop on a loaded 2-core machine,
 * the top 40 of them ~2 ms (console polling `GET /v1/ops`).
 */
export function largestIds(values: Float64Array, ids: Int32Array, n: number, k: number): Int32Array {
  const heapValues = new Float64Array(k);
  const heapIds = new Int32Array(k);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i] as number;
    if (size < k) {
      // Sift up: the smallest stays at the root.
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if ((heapValues[parent] as number) <= value) break;
        heapValues[at] = heapValues[parent] as number;
        heapIds[at] = heapIds[parent] as number;
        at = parent;
      }
      heapValues[at] = value;
      heapIds[at] = ids[i] as number;
    } else if (value > (heapValues[0] as number)) {
      // Replace the smallest and sift down.
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= k) break;
        const right = left + 1;
        const child = right < k && (heapValues[right] as number) < (heapValues[left] as number) ? right : left;
        if ((heapValues[child] as number) >= value) break;
        heapValues[at] = heapValues[child] as number;
        heapIds[at] = heapIds[child] as number;
        at = child;
      }
      heapValues[at] = value;
      heapIds[at] = ids[i] as number;
    }
  }
  return heapIds.subarray(0, size);
}
