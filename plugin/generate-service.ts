import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type GeneratedFile, getComments } from "@bufbuild/protoplugin";
import { grpcType, serviceNames } from "./names.js";
import type { Options } from "./options.js";

/**
 * generateService prints, for one service, the method table (every label set,
 * fixed now) and one-line wrappers calling into the runtime, one function per
 * construct.
 */
export function generateService(f: GeneratedFile, service: DescService, options: Options): void {
  generateMethodTable(f, service, options);
  generateServerWrapper(f, service, options);
  generateClientConstant(f, service, options);
  generateClientType(f, service, options);
}

/**
 * generateMethodTable prints `XMethods`, the one construct that carries the
 * service's own comments. Its type is written out, as `as const` would infer
 * it, so that declarations can be emitted without inference
 * (`--isolatedDeclarations`); `satisfies` keeps its keys those of the
 * generator's definition (ts-proto's `XService`, grpc-tools' `XService`,
 * protobuf-ts's `xDefinition`). Each method's comments are on its member of
 * the type, where an editor finds them.
 */
export function generateMethodTable(f: GeneratedFile, service: DescService, options: Options): void {
  const n = serviceNames(service);
  const g = options.generator;
  const definition = g.definition(service);
  const Definition = f.import(definition.name, definition.from, true);
  const MethodTable = f.import("MethodTable", options.runtimeImport, true);
  const summary = `${n.methods} holds the metric labels of every method of\n${service.typeName}, keyed by ${g.whose} method name.`;
  f.print(f.jsDoc(withServiceComments(summary, service)));
  // f.export, not a literal "export": protoplugin then renames an import that
  // shares a name with ours (ts-proto's InstrumentedXClient, for a service InstrumentedX).
  f.print`${f.export("const", n.methods)}: {`;
  for (const method of service.methods) {
    const { grpcService, grpcMethod, grpcType } = labels(f, method);
    f.print(f.jsDoc(method, "  "));
    f.print`  readonly ${g.methodKey(method)}: { readonly grpcService: ${grpcService}; readonly grpcMethod: ${grpcMethod}; readonly grpcType: ${grpcType} };`;
  }
  f.print`} = {`;
  for (const method of service.methods) {
    const { grpcService, grpcMethod, grpcType } = labels(f, method);
    f.print`  ${propertyKey(g.methodKey(method))}: { grpcService: ${grpcService}, grpcMethod: ${grpcMethod}, grpcType: ${grpcType} },`;
  }
  f.print`} as const satisfies ${MethodTable}<${g.definitionKeys(Definition)}>;`;
  f.print();
}

/** generateServerWrapper prints `instrumentXServer(impl, metrics?)`, one runtime call. */
export function generateServerWrapper(f: GeneratedFile, service: DescService, options: Options): void {
  const n = serviceNames(service);
  const g = options.generator;
  const server = g.server(service);
  const XServer = f.import(server.name, server.from, true);
  const ServerMetrics = f.import("ServerMetrics", options.runtimeImport, true);
  const instrumentServer = f.import("instrumentServer", options.runtimeImport);
  f.print(
    f.jsDoc(
      `${n.instrumentServer} wraps an implementation of ${service.typeName}\n` +
        "to record the grpc_server_* metrics of go-grpc-prometheus; hand the result to\n" +
        `\`server.addService(${g.definition(service).name}, ...)\`.\n\n` +
        `@generated from service ${service.typeName}`,
    ),
  );
  f.print`${f.export("function", n.instrumentServer)}(impl: ${XServer}, metrics?: ${ServerMetrics}): ${XServer} {`;
  f.print`  return ${instrumentServer}(${n.methods}, impl, metrics);`;
  f.print`}`;
  f.print();
}

/**
 * generateClientConstant prints `InstrumentedXClient`, one runtime call, typed
 * as instrumentClient returns it (for `--isolatedDeclarations`) and marked
 * pure, so that a bundler drops it where it is not used. Where the
 * generator's constructor takes more arguments after options (protobuf-ts's
 * binaryOptions), the type lists them and the ClientMetrics comes after them.
 */
export function generateClientConstant(f: GeneratedFile, service: DescService, options: Options): void {
  const n = serviceNames(service);
  const g = options.generator;
  const client = g.client(service);
  const XClient = f.import(client.name, client.from);
  const InstrumentedClientConstructor = f.import("InstrumentedClientConstructor", options.runtimeImport, true);
  const instrumentClient = f.import("instrumentClient", options.runtimeImport);
  const extra = g.clientArguments;
  const args = ["address", "credentials", "options?", ...(extra?.names ?? []), "metrics?"].join(", ");
  f.print(
    f.jsDoc(
      `${n.instrumentedClient} is ${g.whose} ${client.name}, recording the grpc_client_*\n` +
        "metrics of go-grpc-prometheus:\n" +
        `\`new ${n.instrumentedClient}(${args})\`.\n\n` +
        `@generated from service ${service.typeName}`,
    ),
  );
  if (extra === undefined) {
    f.print`${f.export("const", n.instrumentedClient)}: ${InstrumentedClientConstructor}<typeof ${XClient}> = /*@__PURE__*/ ${instrumentClient}(${XClient}, ${n.methods});`;
  } else {
    const metricsArgument = 3 + extra.names.length;
    f.print`${f.export("const", n.instrumentedClient)}: ${InstrumentedClientConstructor}<typeof ${XClient}, ${extra.tuple(f)}> = /*@__PURE__*/ ${instrumentClient}(${XClient}, ${n.methods}, { metricsArgument: ${metricsArgument} });`;
  }
  f.print();
}

/** generateClientType prints the type `InstrumentedXClient`, which is the generator's `XClient`. */
export function generateClientType(f: GeneratedFile, service: DescService, options: Options): void {
  const n = serviceNames(service);
  const g = options.generator;
  const client = g.client(service);
  const XClient = f.import(client.name, client.from);
  f.print`/** ${n.instrumentedClient}'s instances are ${g.whose} ${client.name}s. */`;
  f.print`${f.export("type", n.instrumentedClient)} = ${XClient};`;
  f.print();
}

/** labels returns a method's label values as printed string literals, the same in the table's type and value. */
function labels(f: GeneratedFile, method: DescMethod) {
  return {
    grpcService: f.string(method.parent.typeName),
    grpcMethod: f.string(method.name),
    grpcType: f.string(grpcType(method)),
  };
}

/** withServiceComments joins a summary with the service's own comments and where it came from. */
function withServiceComments(summary: string, service: DescService): string {
  const leading = getComments(service).leading?.trim();
  const comments = leading === undefined || leading === "" ? "" : `${leading.replace(/^ /gm, "")}\n\n`;
  return `${summary}\n\n${comments}@generated from service ${service.typeName}`;
}

/**
 * propertyKey prints an object literal key as ts-proto does, unquoted
 * (checkService lets only identifiers and integers through), except that
 * "__proto__" is written computed: written plainly, it would set the object's
 * prototype instead of a key. (In a type, `__proto__` is a plain key.)
 */
function propertyKey(key: string): string {
  return key === "__proto__" ? `["__proto__"]` : key;
}
