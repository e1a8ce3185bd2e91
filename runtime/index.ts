export {
  type ClientHistogramOptions,
  ClientMetrics,
  type ClientMetricsOptions,
  defaultClientMetrics,
} from "./client-metrics.js";
export { type ContextCall, type ContextLabelsOption, overflowValue } from "./context-labels.js";
export {
  clientMetricDefs,
  defaultBuckets,
  type GrpcType,
  grpcCodeName,
  grpcCodeNames,
  grpcTypes,
  type MetricDef,
  serverMetricDefs,
} from "./contract.js";
export type { ExemplarCall, ExemplarLabels, ExemplarsOption } from "./exemplars.js";
export {
  type ClientConstructor,
  type InstrumentClientOptions,
  type InstrumentedClientConstructor,
  instrumentClient,
} from "./instrument-client.js";
export { instrumentServer } from "./instrument-server.js";
export { InstrumentedServer } from "./instrumented-server.js";
export type { MethodLabels, MethodTable } from "./method-table.js";
export type { MetricsOptions } from "./metrics-options.js";
export type { GrpcCodeName, PreregisteredCodes } from "./preregistered-codes.js";
export type { MetricsRegistry } from "./registry.js";
export {
  defaultServerMetrics,
  type HistogramOptions,
  type ServerHistogramOptions,
  ServerMetrics,
  type ServerMetricsOptions,
} from "./server-metrics.js";
export type { ServiceMethods } from "./service-definition.js";
