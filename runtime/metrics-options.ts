import { type ContextLabels, type ContextLabelsOption, contextLabels } from "./context-labels.js";
import { labelCode, type MetricDef } from "./contract.js";
import { type ExemplarSource, type ExemplarsOption, exemplarSource } from "./exemplars.js";
import { Family, type Labels } from "./family.js";
import { type HistogramOptions, type HistogramShape, histogramOption, histogramShape } from "./histogram.js";
import { checkConstLabels } from "./labels.js";
import { type PreregisteredCodes, preregisteredCodes } from "./preregistered-codes.js";
import { labelNames, namePrefix, prefixedDefs } from "./registration.js";
import { globalRegistry, type MetricsRegistry } from "./registry.js";

/** MetricsOptions are the options ServerMetrics and ClientMetrics share. */
export interface MetricsOptions {
  /**
   * registry receives the metric families: a prom-client or @prometheus-io/client
   * Registry; default: the global `register` of whichever is installed.
   */
  readonly registry?: MetricsRegistry;
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
   * (on the client, also its call options; go-grpc-middleware v2's
   * WithContextLabels and WithLabelsFromContext), after the standard ones,
   * on every family; each with a bound on its distinct values per method,
   * past which a value counts as "__overflow__". The pre-registered series
   * carry "".
   */
  readonly contextLabels?: ContextLabelsOption;
}

/** Shared is what a metrics class reads from MetricsOptions at construction, each part checked. */
export interface Shared<D> {
  readonly registry: MetricsRegistry;
  readonly constLabels: Labels;
  readonly preregistered: readonly boolean[];
  readonly exemplars: ExemplarSource | undefined;
  readonly context: ContextLabels | undefined;
  /** labels are every family's label names: the standard ones, the const ones, then the context ones. */
  readonly labels: string[];
  /** defs are the side's metric definitions, their names behind the namespace and subsystem. */
  readonly defs: D;
}

/** sharedOptions reads the shared options of one side, whose metric definitions are defs; a bad one fails naming owner. */
export function sharedOptions<D extends Record<string, MetricDef>>(
  options: MetricsOptions,
  owner: string,
  defs: D,
): Shared<D> {
  // In the order the classes have always checked them, so that of several bad options the same one is named.
  const registry = options.registry ?? globalRegistry(owner);
  const constLabels = checkConstLabels(options.constLabels, owner);
  const preregistered = preregisteredCodes(options.preregisteredCodes, owner);
  const exemplars = exemplarSource(options.exemplars, owner);
  const context = contextLabels(options.contextLabels, owner, Object.keys(constLabels));
  const labels = labelNames([...Object.keys(constLabels), ...(context?.names ?? [])]);
  return {
    registry,
    constLabels,
    preregistered,
    exemplars,
    context,
    labels,
    defs: prefixedDefs(defs, namePrefix(options, owner)),
  };
}

/**
 * handlingHistogram reads a side's handlingTimeHistogram option: undefined
 * when off, else its family (with grpc_code when `withGrpcCode`) and the
 * latency its method records observe.
 */
export function handlingHistogram(
  option: boolean | (HistogramOptions & { readonly withGrpcCode?: boolean }) | undefined,
  owner: string,
  def: MetricDef,
  labels: readonly string[],
): { family: Family; latency: { shape: HistogramShape; withGrpcCode: boolean } } | undefined {
  const h = histogramOption(option, ["buckets", "withGrpcCode"], `${owner} handlingTimeHistogram`);
  if (h === undefined) return undefined;
  const withGrpcCode = h.options.withGrpcCode === true;
  return {
    family: new Family(def.name, def.help, "histogram", withGrpcCode ? [...labels, labelCode] : labels),
    latency: { shape: histogramShape(def.name, h.bounds), withGrpcCode },
  };
}
