// Everything of a histogram in one place: its options, checked bucket bounds,
// the cells one series counts in, the shape every series of a family shares,
// and how a series renders.
import { defaultBuckets, grpcCodeName, grpcCodeNames } from "./contract.js";
import { type Exemplar, exemplarOf } from "./exemplars.js";
import { type Labels, noLabels, type SeriesValue } from "./family.js";
import { withCode } from "./labels.js";
import { checkKeys } from "./options.js";

/** HistogramOptions configures an opt-in histogram. */
export interface HistogramOptions {
  /** buckets are the upper bounds in seconds, strictly increasing; default .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10. */
  readonly buckets?: readonly number[];
}

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

  /** observe records one value; it returns the index of its bucket, or -1 for a value not recorded. */
  observe(value: number): number {
    // NaN comes only from a clock that failed; it would poison the sum.
    if (Number.isNaN(value)) return -1;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    return i;
  }

  /** reset sets every cell back to zero. */
  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * HistogramSeries is one histogram series with its labels, rendered the way
 * prom-client renders its own: cumulative buckets, +Inf, _sum, _count.
 */
export class HistogramSeries {
  readonly cells: Cells;
  /** exemplars holds each bucket's last exemplar, made on the first. */
  private exemplars: (Exemplar | undefined)[] | undefined;

  constructor(
    bounds: Float64Array,
    private readonly shape: HistogramShape,
    private readonly labels: Labels,
  ) {
    this.cells = new Cells(bounds);
  }

  /** observe records one value, and its exemplar's labels in the bucket it falls in, when given. */
  observe(value: number, exemplar: Labels | undefined, timestamp: number): void {
    const i = this.cells.observe(value);
    if (exemplar === undefined || i < 0) return;
    this.exemplars ??= [];
    this.exemplars[i] = exemplarOf(exemplar, value, timestamp);
  }

  collect(out: SeriesValue[]): void {
    const { counts, sum, count } = this.cells;
    const { bucket, le } = this.shape;
    const exemplars = this.exemplars;
    let acc = 0;
    for (let i = 0; i < le.length; i++) {
      acc += counts[i]!;
      const exemplar = exemplars?.[i];
      out.push(
        exemplar === undefined
          ? { value: acc, labels: le[i]!, sharedLabels: this.labels, metricName: bucket }
          : { value: acc, labels: le[i]!, sharedLabels: this.labels, metricName: bucket, exemplar },
      );
    }
    const inf = exemplars?.[le.length];
    out.push(
      inf === undefined
        ? { value: count, labels: this.shape.inf, sharedLabels: this.labels, metricName: bucket }
        : { value: count, labels: this.shape.inf, sharedLabels: this.labels, metricName: bucket, exemplar: inf },
    );
    out.push({ value: sum, labels: noLabels, sharedLabels: this.labels, metricName: this.shape.sum });
    out.push({ value: count, labels: noLabels, sharedLabels: this.labels, metricName: this.shape.count });
  }

  reset(): void {
    this.cells.reset();
    this.exemplars = undefined;
  }
}

/** HistogramShape holds what every series of one histogram family shares: names and `le` labels. */
export interface HistogramShape {
  readonly bounds: Float64Array;
  readonly bucket: string;
  readonly sum: string;
  readonly count: string;
  readonly le: readonly Labels[];
  readonly inf: Labels;
}

/** histogramShape precomputes the names and `le` label sets of a histogram family. */
export function histogramShape(name: string, bounds: Float64Array): HistogramShape {
  return {
    bounds,
    bucket: `${name}_bucket`,
    sum: `${name}_sum`,
    count: `${name}_count`,
    le: Array.from(bounds, (b) => Object.freeze({ le: String(b) })),
    inf: Object.freeze({ le: "+Inf" }),
  };
}

/**
 * Latency is a method's handling-time histogram: one series, or, with
 * grpc_code as a label, one per code (the pre-registered of the 17 made at
 * construction, others on first use).
 */
export class Latency {
  private readonly single: HistogramSeries | undefined;
  private readonly byCode: (HistogramSeries | undefined)[] | undefined;
  private other: Map<number, HistogramSeries> | undefined;

  constructor(
    private readonly shape: HistogramShape,
    private readonly labels: Labels,
    withGrpcCode: boolean,
    preregistered: readonly boolean[],
  ) {
    if (withGrpcCode) {
      this.byCode = grpcCodeNames.map((n, i) =>
        preregistered[i] ? new HistogramSeries(shape.bounds, shape, withCode(labels, n)) : undefined,
      );
    } else {
      this.single = new HistogramSeries(shape.bounds, shape, labels);
    }
  }

  /** observe records the duration, in seconds, of a call that ended with code, with its exemplar's labels when given. */
  observe(code: number, seconds: number, exemplar?: Labels, timestamp = 0): void {
    if (this.single) {
      if (exemplar === undefined) this.single.cells.observe(seconds);
      else this.single.observe(seconds, exemplar, timestamp);
      return;
    }
    const byCode = this.byCode!;
    let series = byCode[code];
    if (series === undefined) {
      if (code >= 0 && code < byCode.length) {
        series = new HistogramSeries(this.shape.bounds, this.shape, withCode(this.labels, grpcCodeName(code)));
        byCode[code] = series;
      } else {
        this.other ??= new Map();
        series = this.other.get(code);
        if (series === undefined) {
          series = new HistogramSeries(this.shape.bounds, this.shape, withCode(this.labels, grpcCodeName(code)));
          this.other.set(code, series);
        }
      }
    }
    if (exemplar === undefined) series.cells.observe(seconds);
    else series.observe(seconds, exemplar, timestamp);
  }

  collect(out: SeriesValue[]): void {
    if (this.single) {
      this.single.collect(out);
      return;
    }
    for (const s of this.byCode!) s?.collect(out);
    if (this.other) for (const s of this.other.values()) s.collect(out);
  }

  reset(): void {
    this.single?.reset();
    if (this.byCode) for (const s of this.byCode) s?.reset();
    if (this.other) for (const s of this.other.values()) s.reset();
  }
}

/**
 * histogramOption reads an opt-in histogram option (`true` or an options
 * object): undefined when off, else the checked buckets and the object.
 */
export function histogramOption<O extends HistogramOptions>(
  option: boolean | O | undefined,
  keys: readonly string[],
  owner: string,
): { bounds: Float64Array; options: O } | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== "object" || option === null)) {
    throw new TypeError(`${owner}: must be true, false or an options object`);
  }
  const options = (option === true ? {} : option) as O;
  checkKeys(options, keys, owner);
  return { bounds: checkBuckets(options.buckets ?? defaultBuckets, owner), options };
}
