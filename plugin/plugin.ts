import { createEcmaScriptPlugin, type Schema } from "@bufbuild/protoplugin";
import { generateService } from "./generate-service.js";
import { tsProtoImportPath } from "./names.js";
import { type Options, parseOptions } from "./options.js";
import { version } from "./version.js";

/**
 * protocGenGrpcProm is the plugin: for every proto file that declares
 * services it emits `<name>_grpc_prom.ts` beside ts-proto's `<name>.ts`.
 */
export const protocGenGrpcProm = createEcmaScriptPlugin({
  name: "protoc-gen-grpc-prom",
  version: `v${version}`,
  parseOptions,
  generateTs,
  generateJs: unsupportedTarget,
  generateDts: unsupportedTarget,
});

function generateTs(schema: Schema<Options>): void {
  for (const file of schema.files) {
    if (file.services.length === 0) continue;
    const f = schema.generateFile(`${file.name}_grpc_prom.ts`);
    f.preamble(file);
    const tsProtoPath = tsProtoImportPath(file, schema.options.tsProtoFileSuffix);
    for (const service of file.services) generateService(f, service, tsProtoPath, schema.options);
  }
}

// ts-proto emits TypeScript only, and the generated wrappers import its files,
// so TypeScript is the only output that makes sense beside it.
function unsupportedTarget(): never {
  throw new Error("protoc-gen-grpc-prom emits TypeScript beside ts-proto's files: set the option target=ts");
}
