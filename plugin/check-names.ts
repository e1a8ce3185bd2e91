import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { PluginError } from "./errors.js";
import { methodKey } from "./names.js";

/**
 * clientMemberNames are the methods of grpc-js's `Client` that an rpc must not
 * be keyed by: makeGenericClientConstructor puts every rpc on its client's
 * prototype under ts-proto's key, replacing these, the client's own close,
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

// ts-proto writes its keys unquoted; only identifiers and (short, canonical)
// integers are then valid keys that mean what they say.
const usableKeyRE = /^(?:[A-Za-z_$][A-Za-z0-9_$]*|0|[1-9][0-9]{0,14})$/;

/**
 * checkService throws a PluginError, naming the methods, when ts-proto's keys
 * for a service's methods cannot work: two methods sharing one key, a key
 * that is not an identifier, or a key grpc-js's Client already uses. In each
 * case ts-proto's own code does not compile either; this says why, and how
 * to get out of it. JavaScript's reserved words and Object.prototype's names
 * (`delete`, `constructor`, `toString`, ...) are fine as keys and pass.
 */
export function checkService(fileName: string, service: DescService): void {
  const seen = new Map<string, DescMethod>();
  const at = `${fileName}: service ${service.typeName}`;
  for (const method of service.methods) {
    const key = methodKey(method);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new PluginError(
        `${at}: methods ${other.name} and ${method.name} are both ${key} in ts-proto's code, where the second hides the first ` +
          `(ts-proto's code does not compile, and grpc-js would serve only ${method.name}); rename one of them`,
      );
    }
    seen.set(key, method);
    if (!usableKeyRE.test(key)) {
      throw new PluginError(
        `${at}: method ${method.name} is ${JSON.stringify(key)} in ts-proto's code, which ts-proto writes as an unquoted key ` +
          "but is not a JavaScript identifier, so its code does not compile; rename the method",
      );
    }
    if (clientMemberNames.includes(key)) {
      throw new PluginError(
        `${at}: method ${method.name} is ${key} in ts-proto's code, a method grpc-js's Client needs: the rpc would replace ` +
          `it on every ${service.name}Client (and ts-proto's ${service.name}Client does not compile); rename the method`,
      );
    }
  }
}
