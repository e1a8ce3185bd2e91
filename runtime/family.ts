import type { Exemplar } from "./exemplars.js";
import type { MetricsRegistry } from "./registry.js";

/** Labels is one label set: label name to value. */
export type Labels = Readonly<Record<string, string>>;

/**
 * SeriesValue is one exposition line in the shape prom-client's Registry
 * reads: the series' own labels go in `sharedLabels`, a stable object whose
 * rendering the Registry caches, and `labels` carries only `le` on buckets.
 */
export interface SeriesValue {
  readonly value: number;
  readonly labels: Labels;
  readonly sharedLabels: Labels;
  readonly metricName?: string;
  /** exemplar is rendered after the value in OpenMetrics (prom-client's Registry leaves it out of the text format). */
  readonly exemplar?: Exemplar;
}

/**
 * Series is the part of a family that one method contributes: it appends its
 * current values at scrape time and zeroes them on `registry.resetMetrics()`.
 */
export interface Series {
  collect(out: SeriesValue[]): void;
  reset(): void;
}

/** FamilyType is the Prometheus type of a family. */
export type FamilyType = "counter" | "histogram";

/** noLabels is the empty label set, shared. */
export const noLabels: Labels = Object.freeze({});

/**
 * Family is one metric family registered on a prom-client Registry. Unlike
 * prom-client's own metrics it keeps no label-keyed map: each method's Series
 * owns preallocated numbers, and the Registry reads them only when scraped,
 * so recording a call never hashes labels or builds strings.
 */
export class Family {
  readonly aggregator = "sum";
  private readonly series: Series[] = [];

  constructor(
    // `name` is written by prom-client's Registry when it renders OpenMetrics.
    public name: string,
    readonly help: string,
    readonly type: FamilyType,
    readonly labelNames: readonly string[],
  ) {}

  /** register adds the family to a Registry; the client libraries type only their own classes, hence the cast. */
  register(registry: MetricsRegistry): void {
    registry.registerMetric(this as never);
  }

  /** add appends one method's series. */
  add(series: Series): void {
    this.series.push(series);
  }

  /** getForPromString is what prom-client's Registry renders the text exposition from. */
  async getForPromString() {
    const values: SeriesValue[] = [];
    for (const s of this.series) s.collect(values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** get is what prom-client's Registry returns from getMetricsAsJSON: labels merged, as prom-client does. */
  async get() {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map((v) => ({
        value: v.value,
        labels: { ...v.sharedLabels, ...v.labels },
        ...(v.metricName === undefined ? {} : { metricName: v.metricName }),
      })),
    };
  }

  /** reset zeroes every series; the series themselves stay, so every label set remains exposed. */
  reset(): void {
    for (const s of this.series) s.reset();
  }
}

/** counterValue is the SeriesValue of a counter series. */
export function counterValue(value: number, labels: Labels): SeriesValue {
  return { value, labels: noLabels, sharedLabels: labels };
}
