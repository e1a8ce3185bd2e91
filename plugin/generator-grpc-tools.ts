import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { fileBase, type Generator, knownKeys } from "./generator.js";

/**
 * grpcToolsKey is grpc-tools' key for a method: the proto name with its
 * first letter lower-cased (LowercaseFirstLetter in grpc_node_plugin, lcFirst
 * in grpc_tools_node_protoc_ts), so "GetHTTPStatus" is "getHTTPStatus" and
 * "get_foo" stays "get_foo".
 */
export function grpcToolsKey(method: DescMethod): string {
  return method.name.charAt(0).toLowerCase() + method.name.slice(1);
}

const from = (service: DescService) => `./${service.file.name}_grpc_pb.js`;

/**
 * grpcTools describes grpc-tools' files: `<name>_grpc_pb.js`, written by
 * grpc_tools_node_protoc (--grpc_out=grpc_js), CommonJS, exporting
 * `XService` and `XClient` (makeGenericClientConstructor's), with
 * grpc_tools_node_protoc_ts's declarations `<name>_grpc_pb.d.ts`
 * (--ts_out=grpc_js), which add `IXServer`.
 */
export const grpcTools: Generator = {
  name: "grpc-tools",
  whose: "grpc-tools'",
  methodKey: grpcToolsKey,
  definition: (service) => ({ name: `${service.name}Service`, from: from(service) }),
  server: (service) => ({ name: `I${service.name}Server`, from: from(service) }),
  client: (service) => ({ name: `${service.name}Client`, from: from(service) }),
  // Its IXService extends grpc-js's ServiceDefinition<UntypedServiceImplementation>.
  definitionKeys: knownKeys,
  clientMembersClash: true,
  note(file) {
    const base = fileBase(file);
    return [
      `./${base}_grpc_pb.js, imported above, is grpc-tools' file for ${file.proto.name}, with its declarations`,
      `./${base}_grpc_pb.d.ts: grpc_tools_node_protoc --grpc_out=grpc_js and grpc_tools_node_protoc_ts`,
      "--ts_out=grpc_js, written to the same out.",
    ];
  },
};
