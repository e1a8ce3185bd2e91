import { fromBinary } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { PluginError } from "./errors.js";

const howToRun = "this is a protoc plugin: run it from `buf generate` or protoc, which write a request to its stdin";

/**
 * decodeRequest reads the CodeGeneratorRequest a plugin finds on stdin,
 * throwing a PluginError when there is none (no bytes) or the bytes are not one.
 */
export function decodeRequest(bytes: Uint8Array): CodeGeneratorRequest {
  if (bytes.length === 0) throw new PluginError(`stdin is empty, not a CodeGeneratorRequest; ${howToRun}`);
  try {
    return fromBinary(CodeGeneratorRequestSchema, bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new PluginError(`stdin is not a CodeGeneratorRequest (${why}); ${howToRun}`);
  }
}

/**
 * checkRequest throws a PluginError when a request cannot be generated from:
 * it asks for no file, or for a file its proto_file list does not hold (which
 * protoplugin would report only as an internal error).
 */
export function checkRequest(request: CodeGeneratorRequest): void {
  if (request.fileToGenerate.length === 0) {
    throw new PluginError(
      `the CodeGeneratorRequest names no file to generate (file_to_generate is empty); ${howToRun}`,
    );
  }
  const given = new Set(request.protoFile.map((f) => f.name));
  const missing = request.fileToGenerate.filter((name) => !given.has(name));
  if (missing.length > 0) {
    const names = missing.map((name) => JSON.stringify(name)).join(", ");
    throw new PluginError(
      `the CodeGeneratorRequest asks to generate ${names}, missing from its proto_file list, which must hold every file to generate and all they import`,
    );
  }
}
