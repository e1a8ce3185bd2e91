import type { GrpcType } from "./contract.js";

/**
 * MethodLabels is the label set of one method, fixed when the code is
 * generated: no label value ever comes from a request.
 */
export interface MethodLabels {
  /** grpcService is the fully qualified service name, e.g. "mwitkow.testproto.TestService". */
  readonly grpcService: string;
  /** grpcMethod is the method name as written in the .proto file, e.g. "PingEmpty". */
  readonly grpcMethod: string;
  /** grpcType is the call type. */
  readonly grpcType: GrpcType;
}

/**
 * MethodTable maps ts-proto's key of every method of one service (the keys of
 * its `XService` definition and `XServer` interface) to the method's labels.
 * Generated code declares one per service.
 */
export type MethodTable<Keys extends PropertyKey = string> = { readonly [K in Keys]: MethodLabels };
