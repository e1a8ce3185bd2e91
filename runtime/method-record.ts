import { codeUnknown, grpcCodeName, grpcCodeNames, labelCode, maxExtraCodes } from "./contract.js";
import { counterValue, type Family, type Labels, noLabels, type SeriesValue } from "./family.js";
import { clock } from "./fault.js";
import { Cells } from "./histogram.js";
import { withCode } from "./labels.js";

const codeCount = grpcCodeNames.length;

// One frozen { grpc_code } per code, shared by every method: a method's handled
// series render as its own labels (shared, so prom-client's Registry caches
// their text once per method) plus one of these.
const codeLabels: readonly Labels[] = grpcCodeNames.map((name) => Object.freeze({ [labelCode]: name }));

/**
 * CodeCounts counts calls per status code: the 17 codes in a preallocated
 * array; any other code (a peer or handler may send one) in a map made on
 * first use.
 */
export class CodeCounts {
  readonly counts: Float64Array = new Float64Array(codeCount);
  private other: Map<number, { labels: Labels; count: number }> | undefined;

  constructor(private readonly labels: Labels) {}

  /** inc counts one call that ended with code. */
  inc(code: number): void {
    if (code >= 0 && code < codeCount) {
      this.counts[code]!++;
      return;
    }
    this.other ??= new Map();
    const entry = this.other.get(code);
    if (entry) entry.count++;
    else this.other.set(code, { labels: Object.freeze({ [labelCode]: grpcCodeName(code) }), count: 1 });
  }

  collect(out: SeriesValue[]): void {
    for (let i = 0; i < codeCount; i++) {
      out.push({ value: this.counts[i]!, labels: codeLabels[i]!, sharedLabels: this.labels });
    }
    if (this.other)
      for (const e of this.other.values()) out.push({ value: e.count, labels: e.labels, sharedLabels: this.labels });
  }

  reset(): void {
    this.counts.fill(0);
    if (this.other) for (const e of this.other.values()) e.count = 0;
  }
}

/**
 * HistogramSeries is one histogram series with its labels, rendered the way
 * prom-client renders its own: cumulative buckets, +Inf, _sum, _count.
 */
export class HistogramSeries {
  readonly cells: Cells;

  constructor(
    bounds: Float64Array,
    private readonly shape: HistogramShape,
    private readonly labels: Labels,
  ) {
    this.cells = new Cells(bounds);
  }

  collect(out: SeriesValue[]): void {
    const { counts, sum, count } = this.cells;
    const { bucket, le } = this.shape;
    let acc = 0;
    for (let i = 0; i < le.length; i++) {
      acc += counts[i]!;
      out.push({ value: acc, labels: le[i]!, sharedLabels: this.labels, metricName: bucket });
    }
    out.push({ value: count, labels: this.shape.inf, sharedLabels: this.labels, metricName: bucket });
    out.push({ value: sum, labels: noLabels, sharedLabels: this.labels, metricName: this.shape.sum });
    out.push({ value: count, labels: noLabels, sharedLabels: this.labels, metricName: this.shape.count });
  }

  reset(): void {
    this.cells.reset();
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
 * grpc_code as a label, one per code (the 17 made at construction, others on
 * first use).
 */
export class Latency {
  private readonly single: HistogramSeries | undefined;
  private readonly byCode: HistogramSeries[] | undefined;
  private other: Map<number, HistogramSeries> | undefined;

  constructor(
    private readonly shape: HistogramShape,
    private readonly labels: Labels,
    withGrpcCode: boolean,
  ) {
    if (withGrpcCode) {
      this.byCode = grpcCodeNames.map((n) => new HistogramSeries(shape.bounds, shape, withCode(labels, n)));
    } else {
      this.single = new HistogramSeries(shape.bounds, shape, labels);
    }
  }

  /** observe records the duration, in seconds, of a call that ended with code. */
  observe(code: number, seconds: number): void {
    if (this.single) {
      this.single.cells.observe(seconds);
      return;
    }
    let series: HistogramSeries | undefined = this.byCode![code];
    if (series === undefined) {
      this.other ??= new Map();
      series = this.other.get(code);
      if (series === undefined) {
        series = new HistogramSeries(this.shape.bounds, this.shape, withCode(this.labels, grpcCodeName(code)));
        this.other.set(code, series);
      }
    }
    series.cells.observe(seconds);
  }

  collect(out: SeriesValue[]): void {
    if (this.single) {
      this.single.collect(out);
      return;
    }
    for (const s of this.byCode!) s.collect(out);
    if (this.other) for (const s of this.other.values()) s.collect(out);
  }

  reset(): void {
    this.single?.reset();
    if (this.byCode) for (const s of this.byCode) s.reset();
    if (this.other) for (const s of this.other.values()) s.reset();
  }
}

/**
 * MethodRecord holds every number the metrics of one method show: the only
 * state a call touches. It adds its series to the families at construction,
 * so each label set is exposed at zero before the first call.
 */
export class MethodRecord {
  started = 0;
  received = 0;
  sent = 0;
  readonly handled: CodeCounts;
  readonly latency: Latency | undefined;

  constructor(
    readonly labels: Labels,
    families: RecordFamilies,
    latency: { shape: HistogramShape; withGrpcCode: boolean } | undefined,
  ) {
    this.handled = new CodeCounts(labels);
    this.latency = latency && new Latency(latency.shape, labels, latency.withGrpcCode);
    families.started.add({
      collect: (out) => out.push(counterValue(this.started, labels)),
      reset: () => (this.started = 0),
    });
    families.handled.add(this.handled);
    families.received.add({
      collect: (out) => out.push(counterValue(this.received, labels)),
      reset: () => (this.received = 0),
    });
    families.sent.add({
      collect: (out) => out.push(counterValue(this.sent, labels)),
      reset: () => (this.sent = 0),
    });
    if (this.latency && families.handlingSeconds) families.handlingSeconds.add(this.latency);
  }

  private extraCodes: Set<number> | undefined;

  /** finish counts a call that ended with code, started at startMs (clock()). */
  finish(code: number, startMs: number): void {
    const c = this.admit(code);
    this.handled.inc(c);
    this.latency?.observe(c, (clock() - startMs) / 1000);
  }

  /** admit returns the code to count: itself, or Unknown once maxExtraCodes others beyond the 17 have a series. */
  private admit(code: number): number {
    if (code >= 0 && code < grpcCodeNames.length) return code;
    if (!Number.isInteger(code)) return codeUnknown;
    this.extraCodes ??= new Set();
    if (this.extraCodes.has(code)) return code;
    if (this.extraCodes.size >= maxExtraCodes) return codeUnknown;
    this.extraCodes.add(code);
    return code;
  }
}

/** RecordFamilies are the families a MethodRecord adds its series to. */
export interface RecordFamilies {
  readonly started: Family;
  readonly handled: Family;
  readonly received: Family;
  readonly sent: Family;
  readonly handlingSeconds: Family | undefined;
}
