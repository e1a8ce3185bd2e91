/**
 * checkBuckets validates histogram bucket upper bounds and returns them as a
 * typed array; a trailing +Inf is implied and dropped, as Prometheus does.
 * It throws, naming the owner, on anything else that is not strictly increasing
 * finite numbers.
 */
export function checkBuckets(buckets: readonly number[], owner: string): Float64Array {
  if (!Array.isArray(buckets)) {
    throw new TypeError(`${owner}: buckets must be an array of numbers`);
  }
  const bounds = buckets.at(-1) === Number.POSITIVE_INFINITY ? buckets.slice(0, -1) : buckets;
  if (bounds.length === 0) {
    throw new RangeError(`${owner}: buckets must hold at least one finite upper bound`);
  }
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i];
    if (typeof b !== "number" || !Number.isFinite(b)) {
      throw new RangeError(`${owner}: bucket ${i} is ${String(b)}, not a finite number`);
    }
    const prev = bounds[i - 1];
    if (prev !== undefined && b <= prev) {
      throw new RangeError(`${owner}: buckets must be strictly increasing, but ${b} follows ${prev}`);
    }
  }
  return Float64Array.from(bounds);
}

/**
 * Cells hold one histogram series: a count per bucket (not cumulative; the
 * last cell counts observations above every bound), the sum and the count.
 * Observing touches only these preallocated numbers.
 */
export class Cells {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** observe records one value. */
  observe(value: number): void {
    // NaN comes only from a clock that failed; it would poison the sum.
    if (Number.isNaN(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** reset sets every cell back to zero. */
  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
