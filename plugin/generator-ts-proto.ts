import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { camelCase } from "case-anything";
import { fileBase, type Generator } from "./generator.js";

/**
 * tsProtoKey is ts-proto's key for a method in `XService` and `XServer`: with
 * outputServices=grpc-js it camel-cases the proto name with case-anything,
 * so "GetHTTPStatus" becomes "getHttpStatus". Using the same library keeps
 * the two generators in step; the generated table is also checked against
 * ts-proto's keys by the compiler.
 */
export function tsProtoKey(method: DescMethod): string {
  return camelCase(method.name);
}

/**
 * tsProto describes ts-proto's files (outputServices=grpc-js), written with
 * its fileSuffix: `<name><suffix>.ts` holds `XService` (a type and a value),
 * `XServer` and `XClient`. Its keys are case-anything's camelCase.
 */
export function tsProto(fileSuffix: string): Generator {
  const from = (service: DescService) => `./${service.file.name}${fileSuffix}.js`;
  return {
    name: "ts-proto",
    whose: "ts-proto's",
    methodKey: tsProtoKey,
    definition: (service) => ({ name: `${service.name}Service`, from: from(service) }),
    server: (service) => ({ name: `${service.name}Server`, from: from(service) }),
    client: (service) => ({ name: `${service.name}Client`, from: from(service) }),
    // ts-proto's XService type is `typeof` its definition, written `as const`: no index signature.
    definitionKeys: (definition) => ["keyof ", definition],
    clientMembersClash: true,
    note(file) {
      const expected = `./${fileBase(file)}${fileSuffix}.ts`;
      const options = fileSuffix === "" ? "outputServices=grpc-js" : `outputServices=grpc-js, fileSuffix=${fileSuffix}`;
      return [
        `${expected}, imported above, is ts-proto's file for ${file.proto.name} (${options}),`,
        "written to the same out: ts-proto's fileSuffix pairs with our ts_proto_file_suffix, and its",
        "importSuffix with our import_extension.",
      ];
    },
  };
}
