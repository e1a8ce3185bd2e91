/** Options are this plugin's own options, beside protoplugin's (target, import_extension, ...). */
export interface Options {
  /** runtimeImport is the module generated code imports the runtime from. */
  readonly runtimeImport: string;
  /** tsProtoFileSuffix is the `fileSuffix` given to ts-proto, so that its files are found. */
  readonly tsProtoFileSuffix: string;
}

/** optionNames lists this plugin's own options, as written in buf.gen.yaml. */
export const optionNames = ["runtime_import", "ts_proto_file_suffix"] as const;

const defaults: Options = { runtimeImport: "protoc-gen-grpc-prom/runtime", tsProtoFileSuffix: "" };
const suffixRE = /^[A-Za-z0-9_.-]*$/;

/**
 * parseOptions reads this plugin's options, throwing on an unknown option or
 * a bad value with a message that names it and lists what is accepted.
 */
export function parseOptions(raw: readonly { key: string; value: string }[]): Options {
  let { runtimeImport, tsProtoFileSuffix } = defaults;
  const seen = new Set<string>();
  for (const { key, value } of raw) {
    if (seen.has(key)) throw new Error(`option ${key} is given twice`);
    seen.add(key);
    switch (key) {
      case "runtime_import":
        if (value.trim() === "" || value !== value.trim()) {
          throw new Error(`option runtime_import needs a module path, e.g. runtime_import=${defaults.runtimeImport}`);
        }
        runtimeImport = value;
        break;
      case "ts_proto_file_suffix":
        if (!suffixRE.test(value)) {
          throw new Error(
            `option ts_proto_file_suffix=${value}: a file suffix may hold only letters, digits, "_", "-" and "."`,
          );
        }
        tsProtoFileSuffix = value;
        break;
      default:
        throw new Error(
          `unknown option ${key}; this plugin's options are ${optionNames.join(", ")}, ` +
            "beside protoplugin's target, import_extension, js_import_style, keep_empty_files, ts_nocheck, " +
            "elide_plugin_version, rewrite_imports and map_imports",
        );
    }
  }
  return { runtimeImport, tsProtoFileSuffix };
}
