import { type ContextLabels, type ContextLabelsOption, contextLabels, recordWithVariants } from "./context-labels.js";
import { labelCode, serverMetricDefs } from "./contract.js";
import { type ExemplarSource, type ExemplarsOption, exemplarSource } from "./exemplars.js";
import { Family, type Labels } from "./family.js";
import { type HistogramOptions, type HistogramShape, histogramOption, histogramShape } from "./histogram.js";
import { checkConstLabels, methodLabels } from "./labels.js";
import { MethodRecord, type RecordFamilies } from "./method-record.js";
import type { MethodLabels } from "./method-table.js";
import { checkKeys } from "./options.js";
import { type PreregisteredCodes, preregisteredCodes } from "./preregistered-codes.js";
import {
  counterFamilies,
  labelNames,
  markDefault,
  namePrefix,
  prefixedDefs,
  Records,
  registerAll,
  rejoin,
  remember,
} from "./registration.js";
import { globalRegistry, type MetricsRegistry } from "./registry.js";

export type { HistogramOptions } from "./histogram.js";

/** ServerHistogramOptions configures grpc_server_handling_seconds. */
export interface ServerHistogramOptions extends HistogramOptions {
  /**
   * withGrpcCode adds the grpc_code label to the histogram, as the example
   * exposition in go-grpc-prometheus's README shows it (the Go library itself
   * has no such label; leave it off to match it).
   */
  readonly withGrpcCode?: boolean;
}

/** ServerMetricsOptions configures a ServerMetrics. */
export interface ServerMetricsOptions {
  /**
   * registry receives the metric families: a prom-client or @prometheus-io/client
   * Registry; default: the global `register` of whichever is installed.
   */
  readonly registry?: MetricsRegistry;
  /** handlingTimeHistogram enables grpc_server_handling_seconds (off by default, as in Go). */
  readonly handlingTimeHistogram?: boolean | ServerHistogramOptions;
  /** constLabels are added to every series, as Go's ConstLabels. */
  readonly constLabels?: Readonly<Record<string, string>>;
  /** namespace goes before every family's name, with an underscore: "myapp_grpc_server_started_total" (v2's WithNamespace). */
  readonly namespace?: string;
  /** subsystem goes after the namespace, before the name (v2's WithSubsystem). */
  readonly subsystem?: string;
  /**
   * preregisteredCodes chooses the codes whose series every method has at
   * zero from the start: "all" (the default), "none", or a list; the others
   * appear when they first happen.
   */
  readonly preregisteredCodes?: PreregisteredCodes;
  /**
   * exemplars puts an exemplar on the handled counter and the histogram's
   * buckets, shown when the registry renders OpenMetrics: `true` takes the
   * trace id and span id of the OpenTelemetry span active as a call starts
   * (@opentelemetry/api, an optional peer); a function gives the labels.
   */
  readonly exemplars?: ExemplarsOption;
  /**
   * contextLabels adds labels whose values come from each call's metadata
   * (go-grpc-middleware v2's WithContextLabels and WithLabelsFromContext),
   * after the standard ones, on every family; each with a bound on its
   * distinct values per method, past which a value counts as "__overflow__".
   * The pre-registered series carry "".
   */
  readonly contextLabels?: ContextLabelsOption;
}

const owner = "ServerMetrics";
const optionKeys = [
  "registry",
  "handlingTimeHistogram",
  "constLabels",
  "namespace",
  "subsystem",
  "preregisteredCodes",
  "exemplars",
  "contextLabels",
] as const;
const histogramKeys = ["buckets", "withGrpcCode"] as const;

/**
 * ServerMetrics holds the grpc_server_* metrics of go-grpc-prometheus on one
 * prom-client Registry. Pass one instance to every instrumentXServer() call
 * that should report to that registry.
 */
export class ServerMetrics {
  /** registry is where the metric families are registered. */
  readonly registry: MetricsRegistry;
  private readonly families: RecordFamilies;
  private readonly constLabels: Labels;
  private readonly preregistered: readonly boolean[];
  private readonly exemplars: ExemplarSource | undefined;
  private readonly context: ContextLabels | undefined;
  private readonly latency: { shape: HistogramShape; withGrpcCode: boolean } | undefined;
  private readonly records = new Records((method) => {
    const make = (context: Labels) =>
      new MethodRecord({
        method,
        labels: methodLabels(method, { ...this.constLabels, ...context }),
        families: this.families,
        latency: this.latency,
        preregistered: this.preregistered,
        exemplars: this.exemplars,
      });
    return recordWithVariants(this.context, make);
  });

  constructor(options: ServerMetricsOptions = {}) {
    checkKeys(options, optionKeys, owner);
    this.registry = options.registry ?? globalRegistry(owner);
    this.constLabels = checkConstLabels(options.constLabels, owner);
    this.preregistered = preregisteredCodes(options.preregisteredCodes, owner);
    this.exemplars = exemplarSource(options.exemplars, owner);
    this.context = contextLabels(options.contextLabels, owner, Object.keys(this.constLabels));
    const labels = labelNames([...Object.keys(this.constLabels), ...(this.context?.names ?? [])]);
    const defs = prefixedDefs(serverMetricDefs, namePrefix(options, owner));
    const histogram = histogramOption(options.handlingTimeHistogram, histogramKeys, `${owner} handlingTimeHistogram`);
    let handlingSeconds: Family | undefined;
    if (histogram) {
      const withGrpcCode = histogram.options.withGrpcCode === true;
      const def = defs.handlingSeconds;
      handlingSeconds = new Family(def.name, def.help, "histogram", withGrpcCode ? [...labels, labelCode] : labels);
      this.latency = { shape: histogramShape(def.name, histogram.bounds), withGrpcCode };
    }
    this.families = { ...counterFamilies(defs, labels), handlingSeconds };
    registerAll(this.registry, Object.values(this.families), owner);
    remember(this, this.registry, Object.values(this.families));
  }

  /**
   * method returns the record of one method, first adding its series (every
   * code, the histogram when enabled) at zero. instrumentServer calls it once
   * per method when it wraps an implementation; calls never look it up.
   */
  method(m: MethodLabels): MethodRecord {
    return this.records.get(m);
  }
}

let defaultServer: ServerMetrics | undefined;

/**
 * defaultServerMetrics returns the ServerMetrics on prom-client's global
 * `register` that instrumentXServer() uses when given none, creating it on
 * first use: importing this package registers nothing. After a
 * `register.clear()` it puts its families back, at zero, so that what is
 * instrumented before and after the clear is served again.
 */
export function defaultServerMetrics(): ServerMetrics {
  if (defaultServer === undefined) {
    defaultServer = new ServerMetrics();
    markDefault(
      defaultServer,
      "the default ServerMetrics, which instrumentXServer() made on prom-client's global register when called without one",
    );
  } else rejoin(defaultServer, `${owner} (the default, on prom-client's global register)`);
  return defaultServer;
}
