// The metric contract of go-grpc-prometheus, kept in one place: names, HELP
// strings, label names, grpc_type values, code spellings and default buckets.
// Dashboards written for Go services depend on every byte of it.

/** GrpcType is the value of the grpc_type label, spelled as go-grpc-prometheus spells it. */
export type GrpcType = "unary" | "client_stream" | "server_stream" | "bidi_stream";

/** grpcTypes lists every GrpcType. */
export const grpcTypes: readonly GrpcType[] = ["unary", "client_stream", "server_stream", "bidi_stream"];

/** grpcCodeNames holds Go's spelling (codes.Code.String()) of the 17 gRPC status codes, by number. */
export const grpcCodeNames = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
] as const;

/** grpcCodeName returns Go's spelling of a status code: "NotFound" for 5, "Code(42)" outside the 17. */
export function grpcCodeName(code: number): string {
  return grpcCodeNames[code] ?? `Code(${code})`;
}

/**
 * maxExtraCodes bounds, per method, how many codes beyond the 17 get a series
 * of their own (`Code(N)`). A peer or a handler can send any number; further
 * ones are counted as Unknown, as gRPC asks of codes it does not know, so
 * that no one can make series without end.
 */
export const maxExtraCodes = 8;

/** Code numbers the runtime itself produces. */
export const codeOk = 0;
export const codeCanceled = 1;
export const codeUnknown = 2;
export const codeDeadlineExceeded = 4;
export const codeUnimplemented = 12;

/** defaultBuckets are go-grpc-prometheus's (and Prometheus's) default histogram buckets, in seconds. */
export const defaultBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label names, as go-grpc-prometheus spells them. */
export const labelType = "grpc_type";
export const labelService = "grpc_service";
export const labelMethod = "grpc_method";
export const labelCode = "grpc_code";

/** MetricDef is the name and HELP text of one metric family. */
export interface MetricDef {
  readonly name: string;
  readonly help: string;
}

/** serverMetricDefs are the server metric families of go-grpc-prometheus. */
export const serverMetricDefs = {
  started: {
    name: "grpc_server_started_total",
    help: "Total number of RPCs started on the server.",
  },
  handled: {
    name: "grpc_server_handled_total",
    help: "Total number of RPCs completed on the server, regardless of success or failure.",
  },
  received: {
    name: "grpc_server_msg_received_total",
    help: "Total number of RPC stream messages received on the server.",
  },
  sent: {
    name: "grpc_server_msg_sent_total",
    help: "Total number of gRPC stream messages sent by the server.",
  },
  handlingSeconds: {
    name: "grpc_server_handling_seconds",
    help: "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
  },
} as const satisfies Record<string, MetricDef>;

/** clientMetricDefs are the client metric families of go-grpc-prometheus. */
export const clientMetricDefs = {
  started: {
    name: "grpc_client_started_total",
    help: "Total number of RPCs started on the client.",
  },
  handled: {
    name: "grpc_client_handled_total",
    help: "Total number of RPCs completed by the client, regardless of success or failure.",
  },
  received: {
    name: "grpc_client_msg_received_total",
    help: "Total number of RPC stream messages received by the client.",
  },
  sent: {
    name: "grpc_client_msg_sent_total",
    help: "Total number of gRPC stream messages sent by the client.",
  },
  handlingSeconds: {
    name: "grpc_client_handling_seconds",
    help: "Histogram of response latency (seconds) of the gRPC until it is finished by the application.",
  },
  recvSeconds: {
    name: "grpc_client_msg_recv_handling_seconds",
    help: "Histogram of response latency (seconds) of the gRPC single message receive.",
  },
  sendSeconds: {
    name: "grpc_client_msg_send_handling_seconds",
    help: "Histogram of response latency (seconds) of the gRPC single message send.",
  },
} as const satisfies Record<string, MetricDef>;
