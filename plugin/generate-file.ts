import type { DescFile } from "@bufbuild/protobuf";
import type { GeneratedFile } from "@bufbuild/protoplugin";
import { generateService } from "./generate-service.js";
import type { Options } from "./options.js";

/**
 * generateFile prints the body of one `<name>_grpc_prom.ts` (protoplugin puts
 * the preamble and the imports above it): the note on ts-proto's file, then
 * every service.
 */
export function generateFile(f: GeneratedFile, file: DescFile, options: Options): void {
  generateTsProtoNote(f, file, options);
  for (const service of file.services) generateService(f, service, options);
}

/**
 * generateTsProtoNote prints, right below the imports, which file of
 * ts-proto's they expect and which of ts-proto's options pairs with which of
 * ours: when that file is not there, the compiler's "Cannot find module"
 * (TS2307) points at the import just above it. The plugin cannot see
 * ts-proto's output to check it.
 */
export function generateTsProtoNote(f: GeneratedFile, file: DescFile, options: Options): void {
  const suffix = options.tsProtoFileSuffix;
  const expected = `./${file.name.split("/").at(-1)}${suffix}.ts`;
  const tsProtoOptions = suffix === "" ? "outputServices=grpc-js" : `outputServices=grpc-js, fileSuffix=${suffix}`;
  f.print`// ${expected}, imported above, is ts-proto's file for ${file.proto.name} (${tsProtoOptions}),`;
  f.print`// written to the same out: ts-proto's fileSuffix pairs with our ts_proto_file_suffix, and its`;
  f.print`// importSuffix with our import_extension.`;
  f.print();
}
