import { toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { PluginError } from "./errors.js";
import { decodeRequest } from "./request.js";

/** Streams are where a plugin process reads its request and writes its response and its errors. */
export interface Streams {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const usage =
  "run without arguments, it reads a CodeGeneratorRequest on stdin and writes a CodeGeneratorResponse to stdout; -v or --version prints its version";

/**
 * runPlugin does a plugin process's work, as protoplugin's runNodeJs does,
 * and resolves to its exit code: `-v` or `--version` prints the version;
 * otherwise it reads a CodeGeneratorRequest on stdin and writes the response
 * to stdout. It differs in what it prints when it fails, exiting 1: one line
 * for a mistake in its input (a PluginError: bytes that are no request, an
 * empty request, a bad option, ...), and the stack for anything else, a bug.
 */
export async function runPlugin(plugin: Plugin, args: readonly string[], io: Streams): Promise<number> {
  try {
    if (args.length === 1 && (args[0] === "-v" || args[0] === "--version")) {
      await write(io.stdout, `${plugin.name} ${plugin.version}\n`);
      return 0;
    }
    if (args.length !== 0) throw new PluginError(`unexpected arguments ${JSON.stringify(args.join(" "))}: ${usage}`);
    const response = plugin.run(decodeRequest(await readAll(io.stdin)));
    await write(io.stdout, toBinary(CodeGeneratorResponseSchema, response));
    return 0;
  } catch (err) {
    await write(io.stderr, `${plugin.name}: ${describe(err)}\n`);
    return 1;
  }
}

/** runNode runs a plugin as this process, with its arguments and standard streams. */
export function runNode(plugin: Plugin): void {
  // exitCode rather than process.exit(): what was written is flushed first.
  void runPlugin(plugin, process.argv.slice(2), process).then((code) => {
    process.exitCode = code;
  });
}

function describe(err: unknown): string {
  if (err instanceof PluginError) return err.message;
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return `internal error, please report it: ${detail}`;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function write(stream: NodeJS.WritableStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(data, (err) => (err ? reject(err) : resolve())));
}
