import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { PluginError } from "./errors.js";
import type { Generator } from "./generator.js";

/**
 * clientMemberNames are the methods of grpc-js's `Client` that an rpc must not
 * be keyed by: makeGenericClientConstructor (ts-proto's and grpc-tools'
 * clients are made by it) puts every rpc on its client's prototype under
 * the generator's key, replacing these, the client's own close,
 * getChannel and waitForReady and two it calls on every call. (Its
 * makeUnaryRequest and the like, the rest of `Client.prototype`, are replaced
 * harmlessly: rpc methods keep grpc-js's own. A test keeps the two lists
 * together equal to grpc-js's.)
 */
export const clientMemberNames: readonly string[] = [
  "close",
  "getChannel",
  "waitForReady",
  "checkOptionalUnaryResponseArguments",
  "checkMetadataAndOptions",
];

// ts-proto, grpc-tools and protobuf-ts write their keys unquoted; only
// identifiers and (short, canonical) integers are then valid keys that mean
// what they say.
const usableKeyRE = /^(?:[A-Za-z_$][A-Za-z0-9_$]*|0|[1-9][0-9]{0,14})$/;

/**
 * checkService throws a PluginError, naming the methods, when the
 * generator's keys for a service's methods cannot work: two methods sharing
 * one key, a key that is not an identifier, a key grpc-js's Client already
 * uses (where the generator's client would replace it), or, for grpc-tools,
 * `__proto__`. In each case the generator's own code does not compile or
 * does not serve the method either; this says why, and how to get out of
 * it. JavaScript's reserved words and Object.prototype's names (`delete`,
 * `constructor`, `toString`, ...) are fine as keys and pass.
 */
export function checkService(fileName: string, service: DescService, generator: Generator): void {
  const seen = new Map<string, DescMethod>();
  const at = `${fileName}: service ${service.typeName}`;
  const code = `${generator.whose} code`;
  for (const method of service.methods) {
    const key = generator.methodKey(method);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new PluginError(
        `${at}: methods ${other.name} and ${method.name} are both ${key} in ${code}, where the second hides the first ` +
          `(${code} does not compile, and grpc-js would serve only ${method.name}); rename one of them`,
      );
    }
    seen.set(key, method);
    if (!usableKeyRE.test(key)) {
      throw new PluginError(
        `${at}: method ${method.name} is ${JSON.stringify(key)} in ${code}, which ${generator.name} writes as an unquoted key ` +
          "but is not a JavaScript identifier, so its code does not compile; rename the method",
      );
    }
    if (generator.clientMembersClash && clientMemberNames.includes(key)) {
      const client = generator.client(service).name;
      const tsProto = generator.name === "ts-proto" ? ` (and ts-proto's ${client} does not compile)` : "";
      throw new PluginError(
        `${at}: method ${method.name} is ${key} in ${code}, a method grpc-js's Client needs: the rpc would replace ` +
          `it on every ${client}${tsProto}; rename the method`,
      );
    }
    if (generator.name === "grpc-tools" && key === "__proto__") {
      throw new PluginError(
        `${at}: method ${method.name} is __proto__ in ${code}, whose ${service.name}Service writes it as a plain key, ` +
          "which sets the object's prototype instead: grpc-js would neither serve nor call the method; rename the method",
      );
    }
  }
}
