import { defaultBuckets, grpcCodeNames } from "../../runtime/contract.js";
import { namePrefix } from "../../runtime/registration.js";

/**
 * MonitoringOptions are the plugin options of the monitoring kit: which
 * files to emit beside the TypeScript, whether the handling-time histogram
 * is on (the plugin cannot see the ServerMetrics a service is run with, so it
 * is told), and the default objectives of every method.
 */
export interface MonitoringOptions {
  /** dashboards emits a Grafana dashboard per service (`dashboards=true`). */
  readonly dashboards: boolean;
  /** rules emits a Prometheus rule file per service (`rules=true`). */
  readonly rules: boolean;
  /** histogram is the bucket bounds of grpc_server_handling_seconds and grpc_client_handling_seconds, or undefined when it is off. */
  readonly histogram: { readonly buckets: readonly number[] } | undefined;
  /** objectives are the defaults every method has unless its service or itself overrides them. */
  readonly objectives: Objectives;
  /**
   * metricPrefix goes before every metric name the dashboards and rules
   * read: "" by default, "shop_api_" for `namespace=shop,subsystem=api`,
   * as the runtime's `namespace` and `subsystem` options name the metrics.
   */
  readonly metricPrefix: string;
}

/** Objectives are the service level objectives of one method. */
export interface Objectives {
  /** availability is the share of calls, in percent, that must end without a server fault. */
  readonly availability: number;
  /** latency is the share of calls, in percent, that must end within seconds; undefined for none. */
  readonly latency: { readonly seconds: number; readonly percent: number } | undefined;
  /** faultCodes are the codes that count as a server fault, spelled as go-grpc-prometheus spells them. */
  readonly faultCodes: readonly string[];
}

/** monitoringOptionNames are the options parseMonitoringOption reads. */
export const monitoringOptionNames = [
  "dashboards",
  "rules",
  "histogram",
  "histogram_buckets",
  "slo_availability",
  "slo_latency",
  "slo_latency_percent",
  "slo_fault_codes",
  "namespace",
  "subsystem",
] as const;
export type MonitoringOptionName = (typeof monitoringOptionNames)[number];

/** monitoringOptionForms are the options as error messages list them. */
export const monitoringOptionForms: Readonly<Record<MonitoringOptionName, string>> = {
  dashboards: "dashboards=true|false",
  rules: "rules=true|false",
  histogram: "histogram=true|false",
  histogram_buckets: "histogram_buckets=B1:B2:...",
  slo_availability: "slo_availability=PERCENT",
  slo_latency: "slo_latency=SECONDS",
  slo_latency_percent: "slo_latency_percent=PERCENT",
  slo_fault_codes: "slo_fault_codes=CODE:CODE:...",
  namespace: "namespace=NAME",
  subsystem: "subsystem=NAME",
};

/**
 * defaultFaultCodes are the codes that mean the server failed the call,
 * rather than the caller asking for something it could not have: what an
 * availability objective counts against.
 */
export const defaultFaultCodes: readonly string[] = [
  "Unknown",
  "DeadlineExceeded",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
];

/** defaultAvailability is the availability objective, in percent, of a method nothing overrides. */
export const defaultAvailability = 99.9;
/** defaultLatencyPercent is the share of calls, in percent, a latency objective asks to end in time. */
export const defaultLatencyPercent = 99;

/**
 * monitoringOptions reads the monitoring options among the plugin's own.
 * `fail(option, why)` makes the error of a bad one. Options that have no
 * effect as given (an objective without rules=true, a latency objective
 * without the histogram) fail too: a silent no-op would leave a user
 * believing an alert exists.
 */
export function monitoringOptions(
  given: ReadonlyMap<MonitoringOptionName, string>,
  fail: (option: string, why: string) => Error,
): MonitoringOptions {
  const option = (key: MonitoringOptionName) => `${key}=${given.get(key)}`;
  const bool = (key: MonitoringOptionName): boolean => {
    const v = given.get(key);
    if (v === undefined || v === "false") return false;
    if (v === "true") return true;
    throw fail(option(key), `${key} takes true or false`);
  };
  const dashboards = bool("dashboards");
  const rules = bool("rules");
  const histogramOn = bool("histogram");
  let buckets: readonly number[] = defaultBuckets;
  const rawBuckets = given.get("histogram_buckets");
  if (rawBuckets !== undefined) {
    if (!histogramOn) throw fail(option("histogram_buckets"), "histogram_buckets needs histogram=true");
    buckets = bucketList(rawBuckets, (why) => fail(option("histogram_buckets"), why));
  }
  const histogram = histogramOn ? { buckets } : undefined;
  for (const key of ["slo_availability", "slo_latency", "slo_latency_percent", "slo_fault_codes"] as const) {
    if (given.has(key) && !rules)
      throw fail(option(key), `${key} sets an objective of the rule files: it needs rules=true`);
  }
  const availability = percent(given.get("slo_availability"), defaultAvailability, (why) =>
    fail(option("slo_availability"), `slo_availability ${why}`),
  );
  const latencyPercent = percent(given.get("slo_latency_percent"), defaultLatencyPercent, (why) =>
    fail(option("slo_latency_percent"), `slo_latency_percent ${why}`),
  );
  let latency: Objectives["latency"];
  const rawLatency = given.get("slo_latency");
  if (rawLatency !== undefined) {
    const seconds = Number(rawLatency);
    if (histogram === undefined) throw fail(option("slo_latency"), "slo_latency needs histogram=true");
    const why = latencyProblem(seconds, histogram.buckets);
    if (why !== undefined) throw fail(option("slo_latency"), `slo_latency ${why}`);
    latency = { seconds, percent: latencyPercent };
  } else if (given.has("slo_latency_percent")) {
    throw fail(option("slo_latency_percent"), "slo_latency_percent needs slo_latency");
  }
  let faultCodes = defaultFaultCodes;
  const rawCodes = given.get("slo_fault_codes");
  if (rawCodes !== undefined) {
    faultCodes = rawCodes.split(":");
    const why = faultCodesProblem(faultCodes);
    if (why !== undefined) throw fail(option("slo_fault_codes"), `slo_fault_codes ${why}`);
  }
  const metricPrefix = prefixOption(given, dashboards || rules, (key, why) => fail(option(key), why));
  return { dashboards, rules, histogram, objectives: { availability, latency, faultCodes }, metricPrefix };
}

/**
 * prefixOption reads `namespace` and `subsystem`, which must be what the
 * services' ServerMetrics and ClientMetrics are given: the runtime's own
 * check makes the prefix, so the plugin takes exactly the names it takes.
 * Without a dashboard or rule file to read the metrics, either one fails.
 */
function prefixOption(
  given: ReadonlyMap<MonitoringOptionName, string>,
  used: boolean,
  fail: (key: "namespace" | "subsystem", why: string) => Error,
): string {
  for (const key of ["namespace", "subsystem"] as const) {
    const v = given.get(key);
    if (v === undefined) continue;
    if (!used) {
      throw fail(
        key,
        `${key} names the metrics the dashboards and rule files read: it needs dashboards=true or rules=true`,
      );
    }
    try {
      namePrefix({ [key]: v }, key);
    } catch {
      throw fail(
        key,
        `${key} must be letters, digits and underscores, not starting with a digit, as the ${key} given to ServerMetrics and ClientMetrics`,
      );
    }
    if (v === "") throw fail(key, `${key} must not be empty: leave the option out for none`);
  }
  return namePrefix({ namespace: given.get("namespace"), subsystem: given.get("subsystem") }, "the plugin");
}

/** percent reads an objective in percent, strictly between 0 and 100. */
function percent(raw: string | undefined, fallback: number, fail: (why: string) => Error): number {
  if (raw === undefined) return fallback;
  const why = percentProblem(Number(raw));
  if (raw.trim() === "" || why !== undefined) throw fail(why ?? "must be a number");
  return Number(raw);
}

/** percentProblem says what is wrong with an objective in percent, or undefined. */
export function percentProblem(p: number): string | undefined {
  if (!Number.isFinite(p)) return "must be a number";
  if (p <= 0 || p >= 100) return `must be between 0 and 100, exclusive (a percentage), not ${p}`;
  return undefined;
}

/** latencyProblem says what is wrong with a latency threshold, or undefined: it must be a bucket bound. */
export function latencyProblem(seconds: number, buckets: readonly number[]): string | undefined {
  if (!Number.isFinite(seconds) || seconds <= 0) return "must be a number of seconds above 0";
  if (!buckets.includes(seconds)) {
    return `${seconds} is not a bucket bound of the histogram: a latency objective counts the calls under one bound (the bounds are ${buckets.join(", ")})`;
  }
  return undefined;
}

/** faultCodesProblem says what is wrong with a list of fault codes, or undefined. */
export function faultCodesProblem(codes: readonly string[]): string | undefined {
  if (codes.length === 0 || codes.some((c) => c === "")) return 'lists codes separated by ":"';
  for (const c of codes) {
    if (!(grpcCodeNames as readonly string[]).includes(c)) {
      return `names an unknown code ${JSON.stringify(c)}; the codes are ${grpcCodeNames.join(", ")}`;
    }
    if (c === "OK") return "cannot count OK as a fault";
  }
  if (new Set(codes).size !== codes.length) return "names a code twice";
  return undefined;
}

/** bucketList reads bucket bounds separated by ":" (the plugin's parameter separates options by ","). */
function bucketList(raw: string, fail: (why: string) => Error): number[] {
  const bounds = raw.split(":").map((s) => (s.trim() === "" ? Number.NaN : Number(s)));
  if (bounds.some((b) => !Number.isFinite(b) || b <= 0)) {
    throw fail('histogram_buckets takes bucket bounds in seconds, above 0, separated by ":"');
  }
  for (let i = 1; i < bounds.length; i++) {
    if (bounds[i]! <= bounds[i - 1]!) throw fail("histogram_buckets must be strictly increasing");
  }
  return bounds;
}
