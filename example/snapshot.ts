import type { Registry } from "prom-client";
import type { Bucket } from "./quantile.js";

/** Side is whose metrics these are: the families named grpc_server_* or grpc_client_*. */
export type Side = "server" | "client";

/** sides lists both, server first, in the order the demo shows them. */
export const sides: readonly Side[] = ["server", "client"];

/** MethodCounts is what one side has recorded about one method since it started, added up over its series. */
export interface MethodCounts {
  type: string;
  started: number;
  /** handled counts the calls handled with each code that happened, OK included. */
  handled: Map<string, number>;
  received: number;
  sent: number;
  /** seconds and count are the handling-time histogram's _sum and _count. */
  seconds: number;
  count: number;
  /** buckets is the handling-time histogram, cumulative, summed over its series by `le`. */
  buckets: Bucket[];
}

/** Snapshot is one reading of a registry: per side, each method's counts keyed "Service/Method", taken at `at` (ms). */
export interface Snapshot {
  readonly at: number;
  readonly methods: Readonly<Record<Side, ReadonlyMap<string, MethodCounts>>>;
}

/** Labels are the labels a snapshot reads; our series always have them (`le` is a number in prom-client's own histograms). */
type Labels = Partial<Record<"grpc_service" | "grpc_method" | "grpc_type" | "grpc_code" | "le", string | number>>;

/** Families is what a registry holds, as getMetricsAsJSON returns it. */
type Families = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/**
 * readSnapshot reads the grpc_server_* and grpc_client_* metrics back from a
 * registry through getMetricsAsJSON, as a scraper would see them, and adds
 * up each side's series by method.
 */
export async function readSnapshot(registry: Registry): Promise<Snapshot> {
  const families = await registry.getMetricsAsJSON();
  return {
    at: performance.now(),
    methods: { server: methodCounts(families, "server"), client: methodCounts(families, "client") },
  };
}

/** handledTotal is how many calls a method handled, with any code. */
export function handledTotal(m: MethodCounts): number {
  let n = 0;
  for (const v of m.handled.values()) n += v;
  return n;
}

/** methodCounts adds up one side's series by method. */
function methodCounts(families: Families, side: Side): Map<string, MethodCounts> {
  const prefix = `grpc_${side}_`;
  const methods = new Map<string, MethodCounts>();
  const buckets = new Map<MethodCounts, Map<number, number>>();
  for (const family of families) {
    if (!family.name.startsWith(prefix)) continue;
    for (const v of family.values) {
      const labels = v.labels as Labels;
      const key = `${String(labels.grpc_service).split(".").pop()}/${labels.grpc_method}`;
      let m = methods.get(key);
      if (m === undefined) {
        m = {
          type: String(labels.grpc_type),
          started: 0,
          handled: new Map(),
          received: 0,
          sent: 0,
          seconds: 0,
          count: 0,
          buckets: [],
        };
        methods.set(key, m);
      }
      // Histogram values name their series (_bucket, _sum, _count); counters do not.
      switch (((v as { metricName?: string }).metricName ?? family.name).slice(prefix.length)) {
        case "started_total":
          m.started += v.value;
          break;
        case "handled_total": {
          // Every code has a series from the start, at 0: keep only the ones that happened.
          const code = String(labels.grpc_code);
          if (v.value > 0) m.handled.set(code, (m.handled.get(code) ?? 0) + v.value);
          break;
        }
        case "msg_received_total":
          m.received += v.value;
          break;
        case "msg_sent_total":
          m.sent += v.value;
          break;
        case "handling_seconds_sum":
          m.seconds += v.value;
          break;
        case "handling_seconds_count":
          m.count += v.value;
          break;
        case "handling_seconds_bucket": {
          // `le` is a string ("0.005" … "+Inf") here, a number in prom-client's own histograms.
          const perLe = buckets.get(m) ?? new Map<number, number>();
          const le = labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(labels.le);
          perLe.set(le, (perLe.get(le) ?? 0) + v.value);
          buckets.set(m, perLe);
          break;
        }
      }
    }
  }
  for (const [m, perLe] of buckets)
    m.buckets = [...perLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return methods;
}
