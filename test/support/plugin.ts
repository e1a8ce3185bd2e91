import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

/** repo is the repository's root directory. */
export const repo = fileURLToPath(new URL("../../", import.meta.url));

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
