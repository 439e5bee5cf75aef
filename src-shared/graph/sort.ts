/**
 * In-place sort of an index array by (key ascending, dst ascending, image a, b, c ascending).
 *
 * Hand-written so that it runs on typed arrays without allocating and without a
 * comparator closure per call: an introsort-free quicksort (median of three) with
 * insertion sort for short ranges. The neighbour lists it sorts are short (tens to a
 * few hundred entries per atom), so the recursion depth is bounded by the stack we
 * keep explicitly.
 */

/** a < b in the total order (distance, dst, image a, image b, image c). */
function less(a: number, b: number, key: Float64Array, dst: Int32Array, img: Int32Array): boolean {
  const ka = key[a];
  const kb = key[b];
  if (ka !== kb) return ka < kb;
  const da = dst[a];
  const db = dst[b];
  if (da !== db) return da < db;
  const a3 = 3 * a;
  const b3 = 3 * b;
  if (img[a3] !== img[b3]) return img[a3] < img[b3];
  if (img[a3 + 1] !== img[b3 + 1]) return img[a3 + 1] < img[b3 + 1];
  return img[a3 + 2] < img[b3 + 2];
}

const stack = new Int32Array(128);

/**
 * Sorts `order[0..n)` (indices into key/dst/img) in the order described above.
 * Entries equal in every field keep no particular order (they cannot occur for a
 * neighbour list: (dst, image) identifies an edge of one source).
 */
export function sortEdgeOrder(order: Int32Array, n: number, key: Float64Array, dst: Int32Array, img: Int32Array): void {
  let sp = 0;
  let lo = 0;
  let hi = n - 1;
  for (;;) {
    while (hi - lo > 16) {
      // median of three into order[lo]
      const mid = (lo + hi) >> 1;
      if (less(order[mid], order[lo], key, dst, img)) swap(order, mid, lo);
      if (less(order[hi], order[lo], key, dst, img)) swap(order, hi, lo);
      if (less(order[hi], order[mid], key, dst, img)) swap(order, hi, mid);
      // now order[lo] <= order[mid] <= order[hi]; use mid as pivot
      const pivot = order[mid];
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (less(order[i], pivot, key, dst, img)) i++;
        while (less(pivot, order[j], key, dst, img)) j--;
        if (i <= j) {
          swap(order, i, j);
          i++;
          j--;
        }
      }
      // recurse into the smaller part, loop on the larger
      if (j - lo < hi - i) {
        if (i < hi) {
          stack[sp++] = i;
          stack[sp++] = hi;
        }
        hi = j;
      } else {
        if (lo < j) {
          stack[sp++] = lo;
          stack[sp++] = j;
        }
        lo = i;
      }
    }
    // insertion sort of [lo, hi]
    for (let i = lo + 1; i <= hi; i++) {
      const v = order[i];
      let j = i - 1;
      while (j >= lo && less(v, order[j], key, dst, img)) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = v;
    }
    if (sp === 0) return;
    hi = stack[--sp];
    lo = stack[--sp];
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
