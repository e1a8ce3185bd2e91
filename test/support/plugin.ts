import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

/** repo is the repository's root directory. */
export const repo = fileURLToPath(new URL("../../", import.meta.url));

/** optionsLine is the end of every bad-option message: every option with the values it takes, written out once for the tests. */
export const optionsLine =
  "the options are target=ts, generator=ts-proto|grpc-tools|protobuf-ts, import_extension=none|js|ts, ts_proto_file_suffix=SUFFIX, runtime_import=MODULE, " +
  "dashboards=true|false, rules=true|false, histogram=true|false, histogram_buckets=B1:B2:..., slo_availability=PERCENT, " +
  "slo_latency=SECONDS, slo_latency_percent=PERCENT, slo_fault_codes=CODE:CODE:..., namespace=NAME, subsystem=NAME, " +
  "js_import_style=module|legacy_commonjs, keep_empty_files=true|false, ts_nocheck=true|false, " +
  "elide_plugin_version=true|false, rewrite_imports=PATTERN:TARGET, map_imports=PATTERN:TARGET";

/** buf is the buf binary shipped in the @bufbuild/buf package. */
export const buf = join(repo, "node_modules", ".bin", "buf");

/**
 * requestFor builds a CodeGeneratorRequest the way buf would: the protos are
 * compiled by buf (with source info, so comments reach the plugin), and every
 * file is asked for unless `generate` names some.
 */
export function requestFor(
  protos: Record<string, string>,
  parameter = "target=ts",
  generate?: string[],
): CodeGeneratorRequest {
  const dir = mkdtempSync(join(tmpdir(), "grpc-prom-req-"));
  try {
    for (const [name, text] of Object.entries(protos)) {
      mkdirSync(dirname(join(dir, "src", name)), { recursive: true });
      writeFileSync(join(dir, "src", name), text);
    }
    const image = join(dir, "image.binpb");
    execFileSync(buf, ["build", join(dir, "src"), "--as-file-descriptor-set", "-o", image], {
      stdio: "pipe",
      timeout: 60_000,
    });
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(image));
    return create(CodeGeneratorRequestSchema, {
      parameter,
      fileToGenerate: generate ?? Object.keys(protos),
      protoFile: set.file,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
