import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { fileBase, type Generator, knownKeys } from "./generator.js";

// protobuf-ts's own lists (its plugin's local-type-name.ts and interpreter.ts), which it escapes with "$".
const reservedKeywords =
  "break,case,catch,class,const,continue,debugger,default,delete,do,else,enum,export,extends,false,finally,for,function,if,import,in,instanceof,new,null,return,super,switch,this,throw,true,try,typeof,var,void,while,with,as,implements,interface,let,package,private,protected,public,static,yield,any,boolean,constructor,declare,get,module,require,number,set,string,symbol,type,from,of".split(
    ",",
  );
const reservedTypeNames =
  "object,Uint8Array,array,Array,string,String,number,Number,boolean,Boolean,bigint,BigInt".split(",");
const reservedClassProperties = [
  "__proto__",
  "toString",
  "name",
  "constructor",
  "methods",
  "typeName",
  "options",
  "_transport",
  "close",
  "getChannel",
  "waitForReady",
  "makeUnaryRequest",
  "makeClientStreamRequest",
  "makeServerStreamRequest",
  "makeBidiStreamRequest",
];

/**
 * lowerCamelCase is protobuf-ts's (@protobuf-ts/runtime): an underscore or a
 * digit upper-cases the next letter, the first letter is lower-cased, and
 * underscores are dropped: "get_foo_bar" is "getFooBar", "GetHTTPStatus"
 * is "getHTTPStatus".
 */
function lowerCamelCase(snakeCase: string): string {
  let capNext = false;
  let out = "";
  for (let i = 0; i < snakeCase.length; i++) {
    const c = snakeCase.charAt(i);
    if (c === "_") capNext = true;
    else if (/\d/.test(c)) {
      out += c;
      capNext = true;
    } else if (capNext) {
      out += c.toUpperCase();
      capNext = false;
    } else out += i === 0 ? c.toLowerCase() : c;
  }
  return out;
}

/** protobufTsKey is protobuf-ts's key for a method: lowerCamelCase, with "$" after a name its clients reserve. */
export function protobufTsKey(method: DescMethod): string {
  const name = lowerCamelCase(method.name);
  return reservedClassProperties.includes(name) ? `${name}$` : name;
}

/** protobufTsName is protobuf-ts's name for a service: its name, with "$" after a reserved word. */
export function protobufTsName(service: DescService): string {
  const name = service.name;
  return reservedKeywords.includes(name) || reservedTypeNames.includes(name) ? `${name}$` : name;
}

/**
 * protobufTs describes protobuf-ts's files (@protobuf-ts/plugin with
 * client_grpc1,server_grpc1): `<name>.grpc-server.ts` holds `IX` and
 * `xDefinition`, `<name>.grpc-client.ts` holds `XClient`, a class extending
 * grpc-js's Client whose constructor takes `binaryOptions` after options.
 */
export const protobufTs: Generator = {
  name: "protobuf-ts",
  whose: "protobuf-ts's",
  methodKey: protobufTsKey,
  definition(service) {
    const x = protobufTsName(service);
    return { name: `${x.charAt(0).toLowerCase()}${x.slice(1)}Definition`, from: serverFile(service) };
  },
  server: (service) => ({ name: `I${protobufTsName(service)}`, from: serverFile(service) }),
  client: (service) => ({ name: `${protobufTsName(service)}Client`, from: `./${service.file.name}.grpc-client.js` }),
  // Its xDefinition is a grpc-js ServiceDefinition<IX>, and IX extends UntypedServiceImplementation.
  definitionKeys: knownKeys,
  clientArguments: {
    tuple(f) {
      const read = f.import("BinaryReadOptions", "@protobuf-ts/runtime", true);
      const write = f.import("BinaryWriteOptions", "@protobuf-ts/runtime", true);
      return ["[binaryOptions?: Partial<", read, " & ", write, ">]"];
    },
    names: ["binaryOptions?"],
  },
  // Its clients escape those keys with "$".
  clientMembersClash: false,
  note(file) {
    const base = fileBase(file);
    return [
      `./${base}.grpc-server.ts and ./${base}.grpc-client.ts, imported above, are protobuf-ts's files`,
      `for ${file.proto.name} (@protobuf-ts/plugin with client_grpc1,server_grpc1), written to the same out.`,
    ];
  },
};

function serverFile(service: DescService): string {
  return `./${service.file.name}.grpc-server.js`;
}
