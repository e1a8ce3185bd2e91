import type { DescService } from "@bufbuild/protobuf";
import { type GeneratedFile, getComments } from "@bufbuild/protoplugin";
import { grpcType, methodKey, serviceNames } from "./names.js";
import type { Options } from "./options.js";

/**
 * generateService prints, for one service, the method table (every label set,
 * fixed now) and one-line wrappers calling into the runtime.
 */
export function generateService(f: GeneratedFile, service: DescService, tsProtoPath: string, options: Options): void {
  const n = serviceNames(service);
  const rt = options.runtimeImport;
  const XService = f.import(n.service, tsProtoPath, true);
  const XServer = f.import(n.server, tsProtoPath, true);
  const XClient = f.import(n.client, tsProtoPath);
  const MethodTable = f.import("MethodTable", rt, true);
  const ServerMetrics = f.import("ServerMetrics", rt, true);
  const instrumentServer = f.import("instrumentServer", rt);
  const instrumentClient = f.import("instrumentClient", rt);
  const name = service.typeName;
  const tableDoc = `${n.methods} holds the metric labels of every method of\n${name}, keyed by ts-proto's method name.`;
  const serverDoc = `${n.instrumentServer} wraps an implementation of ${name}\nto record the grpc_server_* metrics of go-grpc-prometheus; hand the result to\n\`server.addService(${n.service}, ...)\`.`;
  const clientDoc = `${n.instrumentedClient} is ts-proto's ${n.client}, recording the grpc_client_*\nmetrics of go-grpc-prometheus:\n\`new ${n.instrumentedClient}(address, credentials, options?, metrics?)\`.`;

  f.print(f.jsDoc(doc(tableDoc, service)));
  // f.export, not a literal "export": protoplugin then renames an import that
  // shares a name with ours (ts-proto's InstrumentedXClient, for a service InstrumentedX).
  f.print`${f.export("const", n.methods)} = {`;
  for (const method of service.methods) {
    const key = propertyKey(methodKey(method));
    f.print(f.jsDoc(method, "  "));
    f.print`  ${key}: { grpcService: ${f.string(name)}, grpcMethod: ${f.string(method.name)}, grpcType: ${f.string(grpcType(method))} },`;
  }
  f.print`} as const satisfies ${MethodTable}<keyof ${XService}>;`;
  f.print();
  f.print(f.jsDoc(doc(serverDoc, service)));
  f.print`${f.export("function", n.instrumentServer)}(impl: ${XServer}, metrics?: ${ServerMetrics}): ${XServer} {`;
  f.print`  return ${instrumentServer}(${n.methods}, impl, metrics);`;
  f.print`}`;
  f.print();
  f.print(f.jsDoc(doc(clientDoc, service)));
  f.print`${f.export("const", n.instrumentedClient)} = ${instrumentClient}(${XClient}, ${n.methods});`;
  f.print();
  f.print`/** ${n.instrumentedClient}'s instances are ts-proto's ${n.client}s. */`;
  f.print`${f.export("type", n.instrumentedClient)} = ${XClient};`;
  f.print();
}

/** doc joins a summary with the service's own comments and where it came from. */
function doc(summary: string, service: DescService): string {
  const leading = getComments(service).leading?.trim();
  const comments = leading === undefined || leading === "" ? "" : `${leading.replace(/^ /gm, "")}\n\n`;
  return `${summary}\n\n${comments}@generated from service ${service.typeName}`;
}

/**
 * propertyKey prints an object literal key as ts-proto does, unquoted
 * (checkService lets only identifiers and integers through), except that
 * "__proto__" is written computed: written plainly, it would set the object's
 * prototype instead of a key.
 */
function propertyKey(key: string): string {
  return key === "__proto__" ? `["__proto__"]` : key;
}
