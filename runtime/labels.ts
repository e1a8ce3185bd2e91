import { labelCode, labelMethod, labelService, labelType } from "./contract.js";
import type { Labels } from "./family.js";
import type { MethodLabels } from "./method-table.js";

const labelNameRE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const reserved = new Set([labelType, labelService, labelMethod, labelCode, "le"]);

/**
 * checkConstLabels validates constLabels at construction, so that a bad one
 * fails there, with a message naming it, and never at call or scrape time.
 */
export function checkConstLabels(constLabels: unknown, owner: string): Labels {
  if (constLabels === undefined) return {};
  if (typeof constLabels !== "object" || constLabels === null || Array.isArray(constLabels)) {
    throw new TypeError(`${owner}: constLabels must be an object of label name to string value`);
  }
  let entries: [string, unknown][];
  try {
    entries = Object.entries(constLabels);
  } catch (err) {
    throw new TypeError(`${owner}: constLabels could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!labelNameRE.test(name) || name.startsWith("__")) {
      throw new RangeError(`${owner}: constLabels: "${name}" is not a valid Prometheus label name`);
    }
    if (reserved.has(name)) {
      throw new RangeError(`${owner}: constLabels: "${name}" is a label of the gRPC metrics themselves`);
    }
    if (typeof value !== "string") {
      throw new TypeError(`${owner}: constLabels: the value of "${name}" must be a string, not ${typeof value}`);
    }
    out[name] = value;
  }
  return out;
}

/** sortedLabels returns a frozen label set with its names in order, as Go's client prints them. */
export function sortedLabels(labels: Record<string, string>): Labels {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.freeze(Object.fromEntries(entries));
}

/** methodLabels returns the label set of a method, constLabels included. */
export function methodLabels(m: MethodLabels, constLabels: Labels): Labels {
  return sortedLabels({
    ...constLabels,
    [labelType]: m.grpcType,
    [labelService]: m.grpcService,
    [labelMethod]: m.grpcMethod,
  });
}

/** withCode returns a label set with grpc_code added. */
export function withCode(labels: Labels, codeName: string): Labels {
  return sortedLabels({ ...labels, [labelCode]: codeName });
}
