import { type ContextLabels, type ContextLabelsOption, contextLabels, recordWithVariants } from "./context-labels.js";
import { clientMetricDefs, labelCode, type MetricDef } from "./contract.js";
import { type ExemplarSource, type ExemplarsOption, exemplarSource } from "./exemplars.js";
import { Family, type Labels } from "./family.js";
import {
  type Cells,
  type HistogramOptions,
  HistogramSeries,
  type HistogramShape,
  histogramOption,
  histogramShape,
} from "./histogram.js";
import { checkConstLabels, methodLabels } from "./labels.js";
import { MethodRecord, type MethodRecordOptions } from "./method-record.js";
import type { MethodLabels } from "./method-table.js";
import { checkKeys } from "./options.js";
import { type PreregisteredCodes, preregisteredCodes } from "./preregistered-codes.js";
import {
  type CounterFamilies,
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

/** ClientMetricsOptions configures a ClientMetrics. */
export interface ClientMetricsOptions {
  /**
   * registry receives the metric families: a prom-client or @prometheus-io/client
   * Registry; default: the global `register` of whichever is installed.
   */
  readonly registry?: MetricsRegistry;
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
  /** constLabels are added to every series, as Go's ConstLabels. */
  readonly constLabels?: Readonly<Record<string, string>>;
  /** namespace goes before every family's name, with an underscore: "myapp_grpc_client_started_total" (v2's WithNamespace). */
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
const handlingKeys = ["buckets", "withGrpcCode"] as const;

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
  private readonly constLabels: Labels;
  private readonly preregistered: readonly boolean[];
  private readonly exemplars: ExemplarSource | undefined;
  private readonly context: ContextLabels | undefined;
  private readonly handling: { shape: HistogramShape; withGrpcCode: boolean } | undefined;
  private readonly recv: Histogram | undefined;
  private readonly send: Histogram | undefined;
  private readonly records = new Records((method) => {
    const make = (context: Labels) =>
      new ClientMethodRecord({
        method,
        labels: methodLabels(method, { ...this.constLabels, ...context }),
        families: this.families,
        latency: this.handling,
        preregistered: this.preregistered,
        exemplars: this.exemplars,
        recv: this.recv,
        send: this.send,
      });
    return recordWithVariants(this.context, make);
  });

  constructor(options: ClientMetricsOptions = {}) {
    checkKeys(options, optionKeys, owner);
    this.registry = options.registry ?? globalRegistry(owner);
    this.constLabels = checkConstLabels(options.constLabels, owner);
    this.preregistered = preregisteredCodes(options.preregisteredCodes, owner);
    this.exemplars = exemplarSource(options.exemplars, owner);
    this.context = contextLabels(options.contextLabels, owner, Object.keys(this.constLabels));
    const labels = labelNames([...Object.keys(this.constLabels), ...(this.context?.names ?? [])]);
    const d = prefixedDefs(clientMetricDefs, namePrefix(options, owner));
    const histogram = (option: boolean | HistogramOptions | undefined, name: string, def: MetricDef) => {
      const h = histogramOption(option, histogramKeys, `${owner} ${name}`);
      return (
        h && { family: new Family(def.name, def.help, "histogram", labels), shape: histogramShape(def.name, h.bounds) }
      );
    };
    const h = histogramOption(options.handlingTimeHistogram, handlingKeys, `${owner} handlingTimeHistogram`);
    const withGrpcCode = h?.options.withGrpcCode === true;
    const def = d.handlingSeconds;
    const handling = h && {
      family: new Family(def.name, def.help, "histogram", withGrpcCode ? [...labels, labelCode] : labels),
      shape: histogramShape(def.name, h.bounds),
    };
    this.recv = histogram(options.streamReceiveTimeHistogram, "streamReceiveTimeHistogram", d.recvSeconds);
    this.send = histogram(options.streamSendTimeHistogram, "streamSendTimeHistogram", d.sendSeconds);
    this.handling = handling && { shape: handling.shape, withGrpcCode };
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
