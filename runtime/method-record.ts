import { clock } from "./clock.js";
import type { ContextVariants } from "./context-labels.js";
import { codeUnknown, grpcCodeName, grpcCodeNames, labelCode, maxExtraCodes } from "./contract.js";
import { type Exemplar, type ExemplarSource, exemplarOf } from "./exemplars.js";
import { counterValue, type Family, type Labels, type SeriesValue } from "./family.js";
import { type HistogramShape, Latency } from "./histogram.js";
import type { MethodLabels } from "./method-table.js";

const codeCount = grpcCodeNames.length;

// One frozen { grpc_code } per code, shared by every method: a method's handled
// series render as its own labels (shared, so prom-client's Registry caches
// their text once per method) plus one of these.
const codeLabels: readonly Labels[] = grpcCodeNames.map((name) => Object.freeze({ [labelCode]: name }));

/**
 * CodeCounts counts calls per status code: the 17 codes in a preallocated
 * array, each shown once it is pre-registered or has happened; any other
 * code (a peer or handler may send one) in a map made on first use.
 */
export class CodeCounts {
  readonly counts: Float64Array = new Float64Array(codeCount);
  /** shown has a 1 for each of the 17 codes whose series is exposed. */
  private readonly shown: Uint8Array;
  private other: Map<number, { labels: Labels; count: number; exemplar?: Exemplar | undefined }> | undefined;
  /** exemplars holds each code's last exemplar, made on the first. */
  private exemplars: (Exemplar | undefined)[] | undefined;

  constructor(
    private readonly labels: Labels,
    preregistered: readonly boolean[],
  ) {
    this.shown = Uint8Array.from(preregistered, (p) => (p ? 1 : 0));
  }

  /** inc counts one call that ended with code, with its exemplar's labels when exemplars are on. */
  inc(code: number, exemplar?: Labels, timestamp = 0): void {
    if (code >= 0 && code < codeCount) {
      this.counts[code]!++;
      this.shown[code] = 1;
      if (exemplar !== undefined) {
        this.exemplars ??= [];
        this.exemplars[code] = exemplarOf(exemplar, 1, timestamp);
      }
      return;
    }
    this.other ??= new Map();
    let entry = this.other.get(code);
    if (entry) entry.count++;
    else {
      entry = { labels: Object.freeze({ [labelCode]: grpcCodeName(code) }), count: 1 };
      this.other.set(code, entry);
    }
    if (exemplar !== undefined) entry.exemplar = exemplarOf(exemplar, 1, timestamp);
  }

  collect(out: SeriesValue[]): void {
    const exemplars = this.exemplars;
    for (let i = 0; i < codeCount; i++) {
      if (this.shown[i] !== 1) continue;
      const exemplar = exemplars?.[i];
      out.push(
        exemplar === undefined
          ? { value: this.counts[i]!, labels: codeLabels[i]!, sharedLabels: this.labels }
          : { value: this.counts[i]!, labels: codeLabels[i]!, sharedLabels: this.labels, exemplar },
      );
    }
    if (this.other)
      for (const e of this.other.values()) {
        out.push(
          e.exemplar === undefined
            ? { value: e.count, labels: e.labels, sharedLabels: this.labels }
            : { value: e.count, labels: e.labels, sharedLabels: this.labels, exemplar: e.exemplar },
        );
      }
  }

  reset(): void {
    this.counts.fill(0);
    this.exemplars = undefined;
    if (this.other)
      for (const e of this.other.values()) {
        e.count = 0;
        e.exemplar = undefined;
      }
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
  /** labels is the method's label set, constLabels included. */
  readonly labels: Labels;
  /** path is the method's `/package.Service/Method`, as grpc-js routes calls by it. */
  readonly path: string;
  /** exemplars gives each call's exemplar labels; undefined when exemplars are off. */
  readonly exemplars: ExemplarSource | undefined;
  /**
   * context holds, on the pre-registered record of a method with context
   * labels, the records of its other values; a call picks its own with
   * `context.of(call)`. Undefined without context labels.
   */
  context: ContextVariants<MethodRecord> | undefined = undefined;

  constructor({ method, labels, families, latency, preregistered, exemplars }: MethodRecordOptions) {
    this.labels = labels;
    this.exemplars = exemplars;
    this.path = `/${method.grpcService}/${method.grpcMethod}`;
    this.handled = new CodeCounts(labels, preregistered);
    this.latency = latency && new Latency(latency.shape, labels, latency.withGrpcCode, preregistered);
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

  /** finish counts a call that ended with code, started at startMs (clock()), with its exemplar's labels if it has one. */
  finish(code: number, startMs: number, exemplar?: Labels): void {
    const c = this.admit(code);
    if (exemplar === undefined) {
      this.handled.inc(c);
      this.latency?.observe(c, (clock() - startMs) / 1000);
      return;
    }
    const now = Date.now() / 1000;
    this.handled.inc(c, exemplar, now);
    this.latency?.observe(c, (clock() - startMs) / 1000, exemplar, now);
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

/** MethodRecordOptions is what a MethodRecord is made of, on either side. */
export interface MethodRecordOptions {
  /** method is the method's entry in its table. */
  readonly method: MethodLabels;
  /** labels is its label set, constLabels included. */
  readonly labels: Labels;
  readonly families: RecordFamilies;
  /** latency is the handling-time histogram's shape, when it is on. */
  readonly latency: { readonly shape: HistogramShape; readonly withGrpcCode: boolean } | undefined;
  /** preregistered has, per code, whether its series exist at zero from the start (the preregisteredCodes option). */
  readonly preregistered: readonly boolean[];
  /** exemplars gives each call's exemplar labels, when the exemplars option is on. */
  readonly exemplars: ExemplarSource | undefined;
}

/** RecordFamilies are the families a MethodRecord adds its series to. */
export interface RecordFamilies {
  readonly started: Family;
  readonly handled: Family;
  readonly received: Family;
  readonly sent: Family;
  readonly handlingSeconds: Family | undefined;
}
