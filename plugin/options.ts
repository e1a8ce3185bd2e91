import { PluginError } from "./errors.js";
import type { Generator, GeneratorName } from "./generator.js";
import { grpcTools } from "./generator-grpc-tools.js";
import { protobufTs } from "./generator-protobuf-ts.js";
import { tsProto } from "./generator-ts-proto.js";
import {
  type MonitoringOptionName,
  type MonitoringOptions,
  monitoringOptionForms,
  monitoringOptionNames,
  monitoringOptions,
} from "./monitoring/options.js";

/** Options are this plugin's own options, beside protoplugin's (target, import_extension, ...). */
export interface Options {
  /** runtimeImport is the module generated code imports the runtime from. */
  readonly runtimeImport: string;
  /**
   * generator describes the generator whose files ours import (the
   * `generator` option), ts-proto's with the `fileSuffix` given to it
   * (`ts_proto_file_suffix`), so that its files are found.
   */
  readonly generator: Generator;
  /** monitoring says which dashboards and rule files to emit beside the TypeScript, and for what objectives. */
  readonly monitoring: MonitoringOptions;
}

/** optionNames lists this plugin's own options, as written in buf.gen.yaml. */
export const optionNames = ["generator", "runtime_import", "ts_proto_file_suffix", ...monitoringOptionNames] as const;

/** generatorNames are the values of the `generator` option, the default first. */
export const generatorNames: readonly GeneratorName[] = ["ts-proto", "grpc-tools", "protobuf-ts"];

/**
 * optionForms lists every option the plugin accepts, its own and
 * protoplugin's, with the values each takes, as error messages show them.
 */
export const optionForms = {
  target: "target=ts",
  generator: "generator=ts-proto|grpc-tools|protobuf-ts",
  import_extension: "import_extension=none|js|ts",
  ts_proto_file_suffix: "ts_proto_file_suffix=SUFFIX",
  runtime_import: "runtime_import=MODULE",
  ...monitoringOptionForms,
  js_import_style: "js_import_style=module|legacy_commonjs",
  keep_empty_files: "keep_empty_files=true|false",
  ts_nocheck: "ts_nocheck=true|false",
  elide_plugin_version: "elide_plugin_version=true|false",
  rewrite_imports: "rewrite_imports=PATTERN:TARGET",
  map_imports: "map_imports=PATTERN:TARGET",
} as const;

const booleans = ["true", "false", "1", "0"];

// The values protoplugin accepts (its parameter.ts) where it takes a fixed
// set, so that it never sees one it would refuse with a bare message.
// `target` is narrower: ts-proto emits TypeScript, and our files import its.
const protopluginValues: Readonly<Record<string, readonly string[]>> = {
  target: ["ts"],
  import_extension: ["none", "js", "ts", ".js", ".ts", ""],
  js_import_style: ["module", "legacy_commonjs"],
  keep_empty_files: booleans,
  ts_nocheck: booleans,
  elide_plugin_version: booleans,
};

const defaults = {
  runtimeImport: "protoc-gen-grpc-prom/runtime",
  generator: "ts-proto",
  tsProtoFileSuffix: "",
} as const;
const suffixRE = /^[A-Za-z0-9_.-]*$/;
const targetReason = "protoc-gen-grpc-prom emits TypeScript beside ts-proto's files";

/**
 * checkParameter checks a request's whole parameter, protoplugin's options
 * and ours, before protoplugin reads it: protoplugin's own messages say only
 * `invalid option "target=foo"`. Each mistake (an unknown option, one
 * without `=`, a bad value, a missing target) throws a PluginError naming it
 * and listing every option with the values it takes.
 */
export function checkParameter(parameter: string): void {
  const ours: { key: string; value: string }[] = [];
  let target = false;
  let importExtension: string | undefined;
  for (const raw of parameter === "" ? [] : parameter.split(",")) {
    const i = raw.indexOf("=");
    const key = i < 0 ? raw : raw.slice(0, i);
    const value = raw.slice(i + 1);
    if (key === "") throw optionError(raw, 'an option is empty (a stray ",")');
    if (!Object.hasOwn(optionForms, key)) throw optionError(raw, `unknown option ${key}`);
    if (i < 0) throw optionError(raw, `${key} needs a value: ${formOf(key)}`);
    const accepted = protopluginValues[key];
    if (accepted !== undefined && !accepted.includes(value)) {
      const why = key === "target" ? `${targetReason}, so target must be ts` : `${key} takes ${oneOf(accepted)}`;
      throw optionError(raw, why);
    }
    if (key === "rewrite_imports" || key === "map_imports") {
      // protoplugin's rules: a ":" in the value, and for map_imports a pattern and target around it.
      const colon = value.indexOf(":");
      const ok = key === "rewrite_imports" ? colon >= 0 : colon > 0 && colon < value.length - 1;
      if (!ok) throw optionError(raw, `${key} takes PATTERN:TARGET`);
    }
    if (key === "target") target = true;
    if (key === "import_extension") importExtension = raw;
    if ((optionNames as readonly string[]).includes(key)) ours.push({ key, value });
  }
  if (!target) {
    throw new PluginError(`option target=ts is missing: ${targetReason}; ${validOptions()}`);
  }
  const { generator } = parseOptions(ours);
  if (generator.name === "grpc-tools" && importExtension !== undefined && /ts$/.test(importExtension)) {
    throw optionError(
      importExtension,
      "with generator=grpc-tools import_extension takes none or js: grpc-tools' files are JavaScript " +
        "(<name>_grpc_pb.js, declared by <name>_grpc_pb.d.ts), there is no .ts file to import",
    );
  }
}

/**
 * parseOptions reads this plugin's own options (protoplugin hands them over
 * once it has read its own), throwing a PluginError on an unknown option or a
 * bad value with a message that names it and lists every option.
 */
export function parseOptions(raw: readonly { key: string; value: string }[]): Options {
  let runtimeImport: string = defaults.runtimeImport;
  let generator: GeneratorName = defaults.generator;
  let tsProtoFileSuffix: string = defaults.tsProtoFileSuffix;
  const seen = new Set<string>();
  const monitoring = new Map<MonitoringOptionName, string>();
  for (const { key, value } of raw) {
    const option = `${key}=${value}`;
    if (seen.has(key)) throw optionError(option, `${key} is given twice`);
    seen.add(key);
    switch (key) {
      case "runtime_import":
        if (value.trim() === "" || value !== value.trim()) {
          throw optionError(
            option,
            `runtime_import takes a module path, e.g. runtime_import=${defaults.runtimeImport}`,
          );
        }
        runtimeImport = value;
        break;
      case "ts_proto_file_suffix":
        if (!suffixRE.test(value)) {
          throw optionError(option, 'ts_proto_file_suffix takes only letters, digits, "_", "-" and "."');
        }
        tsProtoFileSuffix = value;
        break;
      case "generator":
        if (!(generatorNames as readonly string[]).includes(value)) {
          throw optionError(option, `generator takes ${oneOf(generatorNames)}`);
        }
        generator = value as GeneratorName;
        break;
      default:
        if (!(monitoringOptionNames as readonly string[]).includes(key))
          throw optionError(option, `unknown option ${key}`);
        monitoring.set(key as MonitoringOptionName, value);
    }
  }
  const described = generatorOf(generator, tsProtoFileSuffix);
  if (generator !== "ts-proto" && seen.has("ts_proto_file_suffix")) {
    throw optionError(
      `ts_proto_file_suffix=${tsProtoFileSuffix}`,
      `ts_proto_file_suffix is ts-proto's fileSuffix, and with generator=${generator} our files import ` +
        `${described.whose}, whose names it does not change; drop it`,
    );
  }
  return { runtimeImport, generator: described, monitoring: monitoringOptions(monitoring, optionError) };
}

function generatorOf(name: GeneratorName, tsProtoFileSuffix: string): Generator {
  switch (name) {
    case "ts-proto":
      return tsProto(tsProtoFileSuffix);
    case "grpc-tools":
      return grpcTools;
    case "protobuf-ts":
      return protobufTs;
  }
}

function optionError(raw: string, why: string): PluginError {
  return new PluginError(`invalid option ${JSON.stringify(raw)}: ${why}; ${validOptions()}`);
}

function validOptions(): string {
  return `the options are ${Object.values(optionForms).join(", ")}`;
}

function formOf(key: string): string {
  return (optionForms as Readonly<Record<string, string>>)[key] ?? key;
}

// oneOf leaves out the spellings protoplugin also takes: "", ".js", "1", "0".
function oneOf(values: readonly string[]): string {
  const shown = values.filter((v) => !/^(?:\..*|1|0|)$/.test(v));
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}`;
}
