/** Bucket is one cumulative histogram bucket: how many observations were at most `le`. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * histogramQuantile estimates the q-quantile of the observations counted in
 * cumulative buckets the way PromQL's histogram_quantile does for classic
 * histograms (prometheus/promql/quantile.go): it finds the bucket holding
 * rank q × count and interpolates linearly inside it, from the bound of the
 * bucket below (0 for the first) to its own. A rank in the +Inf bucket
 * returns the highest finite bound. It is NaN without a +Inf bucket, with
 * fewer than two buckets, or with no observation; -Inf for q < 0 and +Inf
 * for q > 1. Buckets may come in any order.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted.at(-1)?.le !== Number.POSITIVE_INFINITY) return Number.NaN;
  const bs = monotonic(coalesce(sorted));
  if (bs.length < 2) return Number.NaN;
  const observations = bs.at(-1)!.count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  // Prometheus's sort.Search over all but the +Inf bucket: the first whose count reaches the rank.
  let b = bs.findIndex((x, i) => i < bs.length - 1 && x.count >= rank);
  if (b === -1) b = bs.length - 1;
  if (b === bs.length - 1) return bs.at(-2)!.le;
  if (b === 0 && bs[0]!.le <= 0) return bs[0]!.le;
  let start = 0;
  let count = bs[b]!.count;
  if (b > 0) {
    start = bs[b - 1]!.le;
    count -= bs[b - 1]!.count;
    rank -= bs[b - 1]!.count;
  }
  return start + (bs[b]!.le - start) * (rank / count);
}

/** coalesce merges buckets of the same bound, as series from several label sets would give. */
function coalesce(sorted: readonly Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of sorted) {
    const last = out.at(-1);
    if (last?.le === b.le) out[out.length - 1] = { le: b.le, count: last.count + b.count };
    else out.push(b);
  }
  return out;
}

// A scrape can catch a histogram between two bucket updates; Prometheus then
// takes each count as at least the one below (it also forgives float noise,
// which integer counts never have).
function monotonic(bs: readonly Bucket[]): Bucket[] {
  let max = 0;
  return bs.map((b) => {
    max = Math.max(max, b.count);
    return { le: b.le, count: max };
  });
}

/**
 * bucketDeltas is what was observed between two readings of one histogram,
 * bucket by bucket, as `rate(x_bucket[window])` sees it (without the division
 * by time, which a quantile does not need). A bucket missing from `before`
 * counts from 0.
 */
export function bucketDeltas(after: readonly Bucket[], before: readonly Bucket[]): Bucket[] {
  const then = new Map(before.map((b) => [b.le, b.count]));
  return after.map((b) => ({ le: b.le, count: b.count - (then.get(b.le) ?? 0) }));
}
