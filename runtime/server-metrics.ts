import { recordWithVariants } from "./context-labels.js";
import { serverMetricDefs } from "./contract.js";
import type { Labels } from "./family.js";
import type { HistogramOptions, HistogramShape } from "./histogram.js";
import { methodLabels } from "./labels.js";
import { MethodRecord, type RecordFamilies } from "./method-record.js";
import type { MethodLabels } from "./method-table.js";
import { handlingHistogram, type MetricsOptions, type Shared, sharedOptions } from "./metrics-options.js";
import { checkKeys } from "./options.js";
import { counterFamilies, markDefault, Records, registerAll, rejoin, remember } from "./registration.js";
import type { MetricsRegistry } from "./registry.js";

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

/** ServerMetricsOptions configures a ServerMetrics: the options both sides share, and the server's histogram. */
export interface ServerMetricsOptions extends MetricsOptions {
  /** handlingTimeHistogram enables grpc_server_handling_seconds (off by default, as in Go). */
  readonly handlingTimeHistogram?: boolean | ServerHistogramOptions;
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

/**
 * ServerMetrics holds the grpc_server_* metrics of go-grpc-prometheus on one
 * prom-client Registry. Pass one instance to every instrumentXServer() call
 * that should report to that registry.
 */
export class ServerMetrics {
  /** registry is where the metric families are registered. */
  readonly registry: MetricsRegistry;
  private readonly families: RecordFamilies;
  private readonly shared: Shared<typeof serverMetricDefs>;
  private readonly latency: { shape: HistogramShape; withGrpcCode: boolean } | undefined;
  private readonly records = new Records((method) => {
    const { constLabels, preregistered, exemplars, context } = this.shared;
    const make = (values: Labels) =>
      new MethodRecord({
        method,
        labels: methodLabels(method, { ...constLabels, ...values }),
        families: this.families,
        latency: this.latency,
        preregistered,
        exemplars,
      });
    return recordWithVariants(context, make);
  });

  constructor(options: ServerMetricsOptions = {}) {
    checkKeys(options, optionKeys, owner);
    const shared = sharedOptions(options, owner, serverMetricDefs);
    this.shared = shared;
    this.registry = shared.registry;
    const histogram = handlingHistogram(
      options.handlingTimeHistogram,
      owner,
      shared.defs.handlingSeconds,
      shared.labels,
    );
    this.latency = histogram?.latency;
    this.families = { ...counterFamilies(shared.defs, shared.labels), handlingSeconds: histogram?.family };
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
