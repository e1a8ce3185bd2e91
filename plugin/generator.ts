import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import type { GeneratedFile, ImportSymbol, Printable } from "@bufbuild/protoplugin";

/** GeneratorName is a value of the `generator` option: the generator whose files ours sit beside. */
export type GeneratorName = "ts-proto" | "grpc-tools" | "protobuf-ts";

/** Export is one export of the other generator's files: its name, and its file in protoplugin's import form. */
export interface Export {
  readonly name: string;
  readonly from: string;
}

/**
 * ClientArguments describes the arguments a generator's client constructor
 * takes after address, credentials and options, before our ClientMetrics.
 */
export interface ClientArguments {
  /** tuple prints them as the tuple InstrumentedClientConstructor takes as its second type argument. */
  tuple(f: GeneratedFile): Printable;
  /** names lists them as the client's JSDoc shows them, e.g. "binaryOptions?". */
  readonly names: readonly string[];
}

/**
 * Generator is what the construct printers need to know of the generator
 * whose files the wrappers import: the names and files of its exports, its
 * key for each method, and what its client constructor takes. Each
 * generator-*.ts file describes one; nothing else tells them apart.
 */
export interface Generator {
  /** name is the value of the `generator` option. */
  readonly name: GeneratorName;
  /** whose is its name as a possessive, as comments and messages say it: "ts-proto's". */
  readonly whose: string;
  /**
   * methodKey is its key for a method: in its service definition, its server
   * interface and its client's methods.
   */
  methodKey(method: DescMethod): string;
  /** definition is its grpc-js ServiceDefinition of a service, the one handed to `server.addService()`. */
  definition(service: DescService): Export;
  /** server is its interface of a service's implementation. */
  server(service: DescService): Export;
  /** client is its client constructor of a service. */
  client(service: DescService): Export;
  /**
   * definitionKeys prints the type of the keys of its definition, imported
   * type-only, which the method table must have: exactly those, without any
   * index signature, so that a method added, removed or renamed is a compile
   * error.
   */
  definitionKeys(definition: ImportSymbol): Printable;
  /** clientArguments are the client constructor's arguments after options, where it takes any. */
  readonly clientArguments?: ClientArguments;
  /**
   * clientMembersClash says whether its client puts rpc methods under
   * their keys on grpc-js's Client, so that a key naming one of the
   * Client's own methods replaces it.
   */
  readonly clientMembersClash: boolean;
  /**
   * note returns the lines printed below the imports: which of its files
   * they expect, and how to make that so.
   */
  note(file: DescFile): string[];
}

/**
 * knownKeys prints the keys of a definition whose type also has the string
 * index signature of grpc-js's UntypedServiceImplementation: under it
 * `keyof` is just `string`, which any table satisfies, so the index
 * signature is remapped away and the keys the definition names remain.
 */
export function knownKeys(definition: ImportSymbol): Printable {
  return [
    "keyof { [K in keyof typeof ",
    definition,
    " as string extends K ? never : number extends K ? never : K]: unknown }",
  ];
}

/** fileBase is a proto file's generated name without its directory: "inventory" for acme/v1/inventory.proto. */
export function fileBase(file: DescFile): string {
  return file.name.split("/").at(-1)!;
}
