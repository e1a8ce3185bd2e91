import type { DescMethod, DescService } from "@bufbuild/protobuf";

/** GrpcType is the grpc_type label value, as go-grpc-prometheus spells it (the runtime's type of the same name). */
export type GrpcType = "unary" | "client_stream" | "server_stream" | "bidi_stream";

/** grpcType returns a method's grpc_type label value. */
export function grpcType(method: DescMethod): GrpcType {
  switch (method.methodKind) {
    case "unary":
      return "unary";
    case "client_streaming":
      return "client_stream";
    case "server_streaming":
      return "server_stream";
    case "bidi_streaming":
      return "bidi_stream";
  }
}

/** ServiceNames are the names of our exports for a service. */
export interface ServiceNames {
  readonly methods: string;
  readonly instrumentServer: string;
  readonly instrumentedClient: string;
}

/** serviceNames returns the names of our exports for a service: `XMethods`, `instrumentXServer`, `InstrumentedXClient`. */
export function serviceNames(service: DescService): ServiceNames {
  const x = service.name;
  return {
    methods: `${x}Methods`,
    instrumentServer: `instrument${x}Server`,
    instrumentedClient: `Instrumented${x}Client`,
  };
}
