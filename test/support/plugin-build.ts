import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { Project, ts } from "ts-morph";
import { buf, repo } from "./plugin.js";

/** tsProtoOpts are ts-proto's options in the repository's buf.gen.yaml. */
export const tsProtoOpts = ["outputServices=grpc-js", "importSuffix=.js", "esModuleInterop=true"];
/** pluginOpts are our plugin's options in the repository's buf.gen.yaml. */
export const pluginOpts = ["target=ts", "import_extension=js"];

/**
 * bufGenerate writes protos under dir/src and generates them into dir/gen in
 * one buf run, as the repository's buf.gen.yaml does: ts-proto, then (unless
 * `withPlugin` is false) our plugin from source. `strategy: all` gives each
 * plugin one request with every file, so each runs once. dir also gets what
 * the output needs to be compiled and imported there: `"type": "module"` and
 * the repository's node_modules.
 */
export async function bufGenerate(dir: string, protos: Record<string, string>, withPlugin = true): Promise<void> {
  await bufGenerateVariants(dir, protos, { "": [] }, withPlugin);
}

/**
 * bufGenerateVariants is bufGenerate with ts-proto run once per variant, with
 * tsProtoOpts and the variant's own options, into dir/gen/<variant> (dir/gen
 * for ""), our plugin beside each: still one buf run.
 */
export async function bufGenerateVariants(
  dir: string,
  protos: Record<string, string>,
  variants: Record<string, readonly string[]>,
  withPlugin = true,
): Promise<void> {
  for (const [name, text] of Object.entries(protos)) {
    mkdirSync(dirname(join(dir, "src", name)), { recursive: true });
    writeFileSync(join(dir, "src", name), text);
  }
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  const plugins = Object.entries(variants).map(([variant, extra]) => {
    const out = join(dir, "gen", variant);
    const tsProto = `  - local: ["node", "${join(repo, "node_modules", "ts-proto", "protoc-gen-ts_proto")}"]
    out: ${out}
    strategy: all
    opt: [${[...tsProtoOpts, ...extra].join(", ")}]
`;
    const ours = `  - local: ["node", "--import", "tsx", "${join(repo, "plugin", "bin.ts")}"]
    out: ${out}
    strategy: all
    opt: [${pluginOpts.join(", ")}]
`;
    return withPlugin ? tsProto + ours : tsProto;
  });
  const template = `version: v2
inputs:
  - directory: ${join(dir, "src")}
plugins:
${plugins.join("")}`;
  writeFileSync(join(dir, "buf.gen.yaml"), template);
  await promisify(execFile)(buf, ["generate", "--template", join(dir, "buf.gen.yaml")], {
    cwd: repo,
    timeout: 120_000,
  });
}

/** otherGenerators are the real generators beside which our plugin runs with generator=NAME: each one's local and options. */
export const otherGenerators = {
  "grpc-tools": {
    local: join(repo, "node_modules", "grpc_tools_node_protoc_ts", "bin", "protoc-gen-ts"),
    opt: ["grpc_js"],
  },
  "protobuf-ts": {
    local: join(repo, "node_modules", "@protobuf-ts", "plugin", "bin", "protoc-gen-ts"),
    opt: ["client_grpc1", "server_grpc1"],
  },
} as const;

/**
 * bufGenerateBeside is bufGenerate for generator=NAME: the protos under
 * dir/src generated into dir/gen by the real generator (grpc-tools' is
 * grpc_tools_node_protoc_ts, its declarations) and our plugin beside it, in
 * one buf run.
 */
export async function bufGenerateBeside(
  dir: string,
  protos: Record<string, string>,
  generator: keyof typeof otherGenerators,
): Promise<void> {
  for (const [name, text] of Object.entries(protos)) {
    mkdirSync(dirname(join(dir, "src", name)), { recursive: true });
    writeFileSync(join(dir, "src", name), text);
  }
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  const { local, opt } = otherGenerators[generator];
  const out = join(dir, "gen");
  const template = `version: v2
inputs:
  - directory: ${join(dir, "src")}
plugins:
  - local: ["node", "${local}"]
    out: ${out}
    strategy: all
    opt: [${opt.join(", ")}]
  - local: ["node", "--import", "tsx", "${join(repo, "plugin", "bin.ts")}"]
    out: ${out}
    strategy: all
    opt: [target=ts, generator=${generator}]
`;
  writeFileSync(join(dir, "buf.gen.yaml"), template);
  await promisify(execFile)(buf, ["generate", "--template", join(dir, "buf.gen.yaml")], {
    cwd: repo,
    timeout: 120_000,
  });
}

/** tree returns every file under dir, by path relative to it. */
export function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), readFileSync(path, "utf8"));
  }
  return out;
}

/** Checked is what typeCheck compiled (paths relative to its dir) and the diagnostics, `file:line: message`, by file. */
export interface Checked {
  readonly files: string[];
  readonly errors: Map<string, string[]>;
}

/** strictOptions are the compiler options generated code is checked with: strict, as users compile. */
export const strictOptions = {
  strict: true,
  noUnusedLocals: true,
  noImplicitReturns: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ["node"],
  skipLibCheck: true,
  noEmit: true,
  baseUrl: repo,
  paths: { "protoc-gen-grpc-prom/runtime": ["runtime/index.ts"] },
};

/**
 * commonJsOptions are strictOptions for a CommonJS project (`module:
 * commonjs`, so Node10's resolution), as grpc-tools' files and the
 * extensionless imports of protobuf-ts's need; without verbatimModuleSyntax,
 * which refuses `import` in a CommonJS module.
 */
export const commonJsOptions = {
  ...strictOptions,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  verbatimModuleSyntax: false,
};

/**
 * typeCheck compiles every .ts file under dir (a generated tree, no
 * node_modules in it) with strictOptions, or the options given, and the
 * runtime from source.
 */
export function typeCheck(dir: string, compilerOptions: ts.CompilerOptions = strictOptions): Checked {
  const project = new Project({ compilerOptions });
  const files = project.addSourceFilesAtPaths(join(dir, "**/*.ts")).map((f) => relative(dir, f.getFilePath()));
  const errors = new Map<string, string[]>();
  for (const d of project.getPreEmitDiagnostics()) {
    const file = relative(dir, d.getSourceFile()?.getFilePath() ?? "");
    const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " ");
    errors.set(file, [...(errors.get(file) ?? []), `${file}:${d.getLineNumber() ?? 0}: ${message}`]);
  }
  return { files, errors };
}
