import { createRequire } from "node:module";
import { join } from "node:path";

/**
 * loadOptionalPeer loads an optional peer dependency only when it is asked
 * for, undefined where it is not installed. It is looked up from this
 * package, then from the working directory (the application's).
 */
export function loadOptionalPeer<T>(name: string): T | undefined {
  // __filename exists where the runtime runs as shipped (CommonJS); its source under a test runner has none.
  const from = [typeof __filename === "string" ? __filename : undefined, join(process.cwd(), "package.json")];
  for (const base of from) {
    if (base === undefined) continue;
    try {
      return createRequire(base)(name) as T;
    } catch (err) {
      if ((err as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw err;
    }
  }
  return undefined;
}
