import { createEcmaScriptPlugin, type Plugin, type Schema } from "@bufbuild/protoplugin";
import { checkService } from "./check-names.js";
import { generateFile } from "./generate-file.js";
import { emitMonitoring } from "./monitoring/emit.js";
import { checkParameter, type Options, parseOptions } from "./options.js";
import { checkRequest } from "./request.js";
import { version } from "./version.js";

const generator = createEcmaScriptPlugin({
  name: "protoc-gen-grpc-prom",
  version: `v${version}`,
  parseOptions,
  generateTs,
  generateJs: unsupportedTarget,
  generateDts: unsupportedTarget,
  transpile: unsupportedTarget,
});

/**
 * protocGenGrpcProm is the plugin: for every proto file that declares
 * services it emits `<name>_grpc_prom.ts` beside the files of the generator
 * the `generator` option names (ts-proto's `<name>.ts` by default).
 * Its run checks the request and its options before protoplugin reads them,
 * so that each mistake fails with a PluginError that says what is accepted.
 */
export const protocGenGrpcProm: Plugin = {
  name: generator.name,
  version: generator.version,
  run(request) {
    checkRequest(request);
    checkParameter(request.parameter);
    return generator.run(request);
  },
};

function generateTs(schema: Schema<Options>): void {
  for (const file of schema.files) {
    if (file.services.length === 0) continue;
    for (const service of file.services) checkService(file.proto.name, service, schema.options.generator);
    const f = schema.generateFile(`${file.name}_grpc_prom.ts`);
    f.preamble(file);
    generateFile(f, file, schema.options);
    emitMonitoring(schema, file);
  }
}

// ts-proto emits TypeScript only, and the generated wrappers import its files,
// so TypeScript is the only output that makes sense beside it. checkParameter
// lets only target=ts through; these stand in case, so that protoplugin never
// transpiles instead.
function unsupportedTarget(): never {
  throw new Error("protoc-gen-grpc-prom emits TypeScript beside ts-proto's files: set the option target=ts");
}
