import type { ServiceDefinition } from "@grpc/grpc-js";
import { type GrpcType, grpcTypes } from "./contract.js";
import type { MethodLabels, MethodTable } from "./method-table.js";

/**
 * ServiceMethods is what the runtime takes as the methods of one service:
 * a generated method table, or any grpc-js ServiceDefinition (proto-loader's
 * `pkg.Greeter.service`, grpc-tools' `GreeterService`, protobuf-ts's
 * `greeterDefinition`, ts-proto's `GreeterService`).
 */
export type ServiceMethods = MethodTable | ServiceDefinition;

/** MethodEntry is one method of a service, as the runtime uses it. */
export interface MethodEntry extends MethodLabels {
  /** key is the method's key in its table or definition: the name a handler is looked up by first. */
  readonly key: string;
  /** originalName is the definition's second name of the method (proto-loader's), where it has one. */
  readonly originalName: string | undefined;
}

// A path grpc-js routes: "/" + fully qualified service name + "/" + method name.
const pathRE = /^\/([^/\s]+)\/([^/\s]+)$/;

// Definitions are read once each: instrumenting many servers or clients of one service reads it once.
const entriesOf = new WeakMap<object, readonly MethodEntry[]>();

/**
 * methodEntries reads the methods of a table or definition, checking each:
 * a method whose labels, path or stream flags are malformed fails here,
 * at wrap time, naming the method. `who` names the caller in messages.
 */
export function methodEntries(service: ServiceMethods, who: string): readonly MethodEntry[] {
  if (service === null || typeof service !== "object") {
    throw new TypeError(`${who}: the service must be a generated method table or a grpc-js ServiceDefinition`);
  }
  const known = entriesOf.get(service);
  if (known !== undefined) return known;
  const entries = Object.keys(service).map((key) => entryOf(key, (service as Record<string, unknown>)[key], who));
  Object.freeze(entries);
  entriesOf.set(service, entries);
  return entries;
}

function entryOf(key: string, m: unknown, who: string): MethodEntry {
  if (m === null || typeof m !== "object") {
    throw new TypeError(`${who}: method ${key} is ${m === null ? "null" : `a ${typeof m}`}, not a method definition`);
  }
  if ("grpcService" in m) return tableEntry(key, m as Partial<MethodLabels>, who);
  return definitionEntry(key, m as Partial<DefinitionMethod>, who);
}

/** tableEntry checks one member of a generated method table. */
function tableEntry(key: string, m: Partial<MethodLabels>, who: string): MethodEntry {
  const { grpcService, grpcMethod, grpcType } = m;
  if (
    typeof grpcService !== "string" ||
    typeof grpcMethod !== "string" ||
    !pathRE.test(`/${grpcService}/${grpcMethod}`)
  ) {
    throw new TypeError(
      `${who}: method ${key}: grpcService and grpcMethod must be the names of a gRPC service and method`,
    );
  }
  if (!isGrpcType(grpcType)) {
    throw new TypeError(`${who}: method ${key} has an unknown grpcType ${String(grpcType)}`);
  }
  return { key, grpcService, grpcMethod, grpcType, originalName: undefined };
}

/** DefinitionMethod is the part of a grpc-js MethodDefinition the runtime reads. */
interface DefinitionMethod {
  readonly path: unknown;
  readonly requestStream: unknown;
  readonly responseStream: unknown;
  readonly originalName?: unknown;
}

/** definitionEntry checks one method of a grpc-js ServiceDefinition and derives its labels. */
function definitionEntry(key: string, m: Partial<DefinitionMethod>, who: string): MethodEntry {
  const { path, requestStream, responseStream, originalName } = m;
  const parts = typeof path === "string" ? pathRE.exec(path) : null;
  if (parts === null) {
    throw new TypeError(
      `${who}: method ${key}: path ${JSON.stringify(path)} is not a gRPC method path ("/package.Service/Method")`,
    );
  }
  if (typeof requestStream !== "boolean" || typeof responseStream !== "boolean") {
    throw new TypeError(`${who}: method ${key} (${path}): requestStream and responseStream must be booleans`);
  }
  if (originalName !== undefined && typeof originalName !== "string") {
    throw new TypeError(`${who}: method ${key} (${path}): originalName must be a string`);
  }
  return {
    key,
    grpcService: parts[1]!,
    grpcMethod: parts[2]!,
    grpcType: grpcTypeOf(requestStream, responseStream),
    originalName,
  };
}

/** grpcTypeOf names a method's call type from its stream flags, as go-grpc-prometheus does. */
export function grpcTypeOf(requestStream: boolean, responseStream: boolean): GrpcType {
  if (requestStream) return responseStream ? "bidi_stream" : "client_stream";
  return responseStream ? "server_stream" : "unary";
}

function isGrpcType(t: unknown): t is GrpcType {
  return (grpcTypes as readonly unknown[]).includes(t);
}

/** methodOfPath returns the labels of a method from its path and flags; undefined for a malformed path. */
export function methodOfPath(path: string, requestStream: boolean, responseStream: boolean): MethodLabels | undefined {
  const parts = pathRE.exec(path);
  if (parts === null) return undefined;
  return { grpcService: parts[1]!, grpcMethod: parts[2]!, grpcType: grpcTypeOf(requestStream, responseStream) };
}
