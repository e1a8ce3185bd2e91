import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import { camelCase } from "case-anything";

/** GrpcType is the grpc_type label value, as go-grpc-prometheus spells it (the runtime's type of the same name). */
export type GrpcType = "unary" | "client_stream" | "server_stream" | "bidi_stream";

/**
 * methodKey is ts-proto's key for a method in `XService` and `XServer`: with
 * outputServices=grpc-js it camel-cases the proto name with case-anything,
 * so "GetHTTPStatus" becomes "getHttpStatus". Using the same library keeps
 * the two generators in step; the generated table is also checked against
 * ts-proto's keys by the compiler.
 */
export function methodKey(method: DescMethod): string {
  return camelCase(method.name);
}

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

/** tsProtoImportPath is the path of ts-proto's file for a proto file, in protoplugin's import form. */
export function tsProtoImportPath(file: DescFile, fileSuffix: string): string {
  return `./${file.name}${fileSuffix}.js`;
}

/** ServiceNames are the names ts-proto gives a service's exports, and ours. */
export interface ServiceNames {
  readonly service: string;
  readonly server: string;
  readonly client: string;
  readonly methods: string;
  readonly instrumentServer: string;
  readonly instrumentedClient: string;
}

/** serviceNames returns ts-proto's export names for a service (`XService`, `XServer`, `XClient`) and ours. */
export function serviceNames(service: DescService): ServiceNames {
  const x = service.name;
  return {
    service: `${x}Service`,
    server: `${x}Server`,
    client: `${x}Client`,
    methods: `${x}Methods`,
    instrumentServer: `instrument${x}Server`,
    instrumentedClient: `Instrumented${x}Client`,
  };
}
