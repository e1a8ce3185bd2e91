export {
  grpcCodeName,
  grpcCodeNames,
  grpcTypes,
  defaultBuckets,
  serverMetricDefs,
  type GrpcType,
  type MetricDef,
} from "./contract.js";
export type { MethodLabels, MethodTable } from "./method-table.js";
export {
  ServerMetrics,
  defaultServerMetrics,
  type HistogramOptions,
  type ServerHistogramOptions,
  type ServerMetricsOptions,
} from "./server-metrics.js";
export { instrumentServer } from "./instrument-server.js";
