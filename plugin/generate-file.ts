import type { DescFile } from "@bufbuild/protobuf";
import type { GeneratedFile } from "@bufbuild/protoplugin";
import { generateService } from "./generate-service.js";
import type { Options } from "./options.js";

/**
 * generateFile prints the body of one `<name>_grpc_prom.ts` (protoplugin puts
 * the preamble and the imports above it): the note on the other generator's
 * files, then every service.
 */
export function generateFile(f: GeneratedFile, file: DescFile, options: Options): void {
  generateNote(f, file, options);
  for (const service of file.services) generateService(f, service, options);
}

/**
 * generateNote prints, right below the imports, which files of the other
 * generator (ts-proto's, grpc-tools' or protobuf-ts's) they expect and, for
 * ts-proto, which of its options pairs with which of ours: when a file is
 * not there, the compiler's "Cannot find module" (TS2307) points at the
 * import just above it. The plugin cannot see the other generator's output
 * to check it.
 */
export function generateNote(f: GeneratedFile, file: DescFile, options: Options): void {
  for (const line of options.generator.note(file)) f.print`// ${line}`;
  f.print();
}
