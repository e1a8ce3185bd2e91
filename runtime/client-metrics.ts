import { recordWithVariants } from "./context-labels.js";
import { clientMetricDefs, type MetricDef } from "./contract.js";
import { Family, type Labels } from "./family.js";
import {
  type Cells,
  type HistogramOptions,
  HistogramSeries,
  type HistogramShape,
  histogramOption,
  histogramShape,
} from "./histogram.js";
import { methodLabels } from "./labels.js";
import { MethodRecord, type MethodRecordOptions } from "./method-record.js";
import type { MethodLabels } from "./method-table.js";
import { handlingHistogram, type MetricsOptions, type Shared, sharedOptions } from "./metrics-options.js";
import { checkKeys } from "./options.js";
import {
  type CounterFamilies,
  counterFamilies,
  markDefault,
  Records,
  registerAll,
  rejoin,
  remember,
} from "./registration.js";
import type { MetricsRegistry } from "./registry.js";

/** ClientMetricsOptions configures a ClientMetrics: the options both sides share, and the client's histograms. */
export interface ClientMetricsOptions extends MetricsOptions {
  /** handlingTimeHistogram enables grpc_client_handling_seconds: from the start of a call to its status. */
  readonly handlingTimeHistogram?: boolean | ClientHistogramOptions;
  /**
   * streamReceiveTimeHistogram enables grpc_client_msg_recv_handling_seconds
   * on streaming methods: how long each receive waited (see docs/metrics.md
   * for how grpc-js's events map onto Go's RecvMsg).
   */
  readonly streamReceiveTimeHistogram?: boolean | HistogramOptions;
  /** streamSendTimeHistogram enables grpc_client_msg_send_handling_seconds on streaming methods: the time of each send. */
  readonly streamSendTimeHistogram?: boolean | HistogramOptions;
}

/** ClientHistogramOptions configures grpc_client_handling_seconds. */
export interface ClientHistogramOptions extends HistogramOptions {
  /**
   * withGrpcCode adds the grpc_code label to the histogram, as the server's
   * option does and go-grpc-middleware v2's client histogram has it: the
   * latency of successful calls alone, for latency objectives.
   */
  readonly withGrpcCode?: boolean;
}

const owner = "ClientMetrics";
const optionKeys = [
  "registry",
  "handlingTimeHistogram",
  "streamReceiveTimeHistogram",
  "streamSendTimeHistogram",
  "constLabels",
  "namespace",
  "subsystem",
  "preregisteredCodes",
  "exemplars",
  "contextLabels",
] as const;
const histogramKeys = ["buckets"] as const;

interface Histogram {
  readonly family: Family;
  readonly shape: HistogramShape;
}

/**
 * ClientMethodRecord is a MethodRecord with the two per-message histograms
 * of streaming methods, when enabled.
 */
export class ClientMethodRecord extends MethodRecord {
  /** recv holds grpc_client_msg_recv_handling_seconds, on streaming methods when enabled. */
  readonly recv: Cells | undefined;
  /** send holds grpc_client_msg_send_handling_seconds, on streaming methods when enabled. */
  readonly send: Cells | undefined;

  constructor(options: ClientMethodRecordOptions) {
    super(options);
    const streaming = options.method.grpcType !== "unary";
    this.recv = streaming ? messageHistogram(options.recv, options.labels) : undefined;
    this.send = streaming ? messageHistogram(options.send, options.labels) : undefined;
  }
}

/** ClientMethodRecordOptions is a MethodRecord's options and the client's two per-message histograms. */
interface ClientMethodRecordOptions extends MethodRecordOptions {
  readonly recv: Histogram | undefined;
  readonly send: Histogram | undefined;
}

function messageHistogram(h: Histogram | undefined, labels: Labels): Cells | undefined {
  if (h === undefined) return undefined;
  const series = new HistogramSeries(h.shape.bounds, h.shape, labels);
  h.family.add(series);
  return series.cells;
}

/**
 * ClientMetrics holds the grpc_client_* metrics of go-grpc-prometheus on one
 * prom-client Registry. Pass one instance to every InstrumentedXClient that
 * should report to that registry.
 */
export class ClientMetrics {
  /** registry is where the metric families are registered. */
  readonly registry: MetricsRegistry;
  private readonly families: CounterFamilies & { readonly handlingSeconds: Family | undefined };
  private readonly shared: Shared<typeof clientMetricDefs>;
  private readonly handling: { shape: HistogramShape; withGrpcCode: boolean } | undefined;
  private readonly recv: Histogram | undefined;
  private readonly send: Histogram | undefined;
  private readonly records = new Records((method) => {
    const { constLabels, preregistered, exemplars, context } = this.shared;
    const make = (values: Labels) =>
      new ClientMethodRecord({
        method,
        labels: methodLabels(method, { ...constLabels, ...values }),
        families: this.families,
        latency: this.handling,
        preregistered,
        exemplars,
        recv: this.recv,
        send: this.send,
      });
    return recordWithVariants(context, make);
  });

  constructor(options: ClientMetricsOptions = {}) {
    checkKeys(options, optionKeys, owner);
    const shared = sharedOptions(options, owner, clientMetricDefs);
    this.shared = shared;
    this.registry = shared.registry;
    const { defs: d, labels } = shared;
    const histogram = (option: boolean | HistogramOptions | undefined, name: string, def: MetricDef) => {
      const h = histogramOption(option, histogramKeys, `${owner} ${name}`);
      return (
        h && { family: new Family(def.name, def.help, "histogram", labels), shape: histogramShape(def.name, h.bounds) }
      );
    };
    const handling = handlingHistogram(options.handlingTimeHistogram, owner, d.handlingSeconds, labels);
    this.recv = histogram(options.streamReceiveTimeHistogram, "streamReceiveTimeHistogram", d.recvSeconds);
    this.send = histogram(options.streamSendTimeHistogram, "streamSendTimeHistogram", d.sendSeconds);
    this.handling = handling?.latency;
    this.families = { ...counterFamilies(d, labels), handlingSeconds: handling?.family };
    const all = [...Object.values(this.families), this.recv?.family, this.send?.family];
    registerAll(this.registry, all, owner);
    remember(this, this.registry, all);
  }

  /**
   * method returns the record of one method, first adding its series (every
   * code, the enabled histograms) at zero. Instrumented clients call it for
   * every method of their service when constructed; calls never look it up.
   */
  method(m: MethodLabels): ClientMethodRecord {
    return this.records.get(m);
  }
}

let defaultClient: ClientMetrics | undefined;

/**
 * defaultClientMetrics returns the ClientMetrics on prom-client's global
 * `register` that InstrumentedXClient uses when given none, creating it on
 * first use: importing this package registers nothing. After a
 * `register.clear()` it puts its families back, at zero, as
 * defaultServerMetrics does.
 */
export function defaultClientMetrics(): ClientMetrics {
  if (defaultClient === undefined) {
    defaultClient = new ClientMetrics();
    markDefault(
      defaultClient,
      "the default ClientMetrics, which an InstrumentedXClient made on prom-client's global register when constructed without one",
    );
  } else rejoin(defaultClient, `${owner} (the default, on prom-client's global register)`);
  return defaultClient;
}
