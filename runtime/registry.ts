import { loadOptionalPeer } from "./optional-peer.js";

/**
 * MetricsRegistry is the part of a registry the runtime uses: prom-client's
 * `Registry`, or `@prometheus-io/client`'s (its successor, from the
 * Prometheus project), which share it. Any of their registries fits: a
 * fresh one, the global `register`, an OpenMetrics one, a cluster one.
 */
export interface MetricsRegistry {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
  /** metrics renders every metric of the registry, as served on /metrics. */
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** ClientLibrary is the part of prom-client or @prometheus-io/client the runtime reads. */
interface ClientLibrary {
  readonly register: MetricsRegistry;
}

/** clientLibraries are the packages a default registry may come from, in the order they are looked for. */
export const clientLibraries = ["prom-client", "@prometheus-io/client"] as const;

let global: MetricsRegistry | undefined;

/**
 * globalRegistry returns the global `register` of the client library
 * installed beside this package: prom-client's, else
 * @prometheus-io/client's (both are optional peers; one is needed). Only
 * the defaults read it: metrics given a registry never load either.
 */
export function globalRegistry(owner: string): MetricsRegistry {
  if (global !== undefined) return global;
  for (const name of clientLibraries) {
    const lib = loadOptionalPeer<ClientLibrary>(name);
    if (lib !== undefined) {
      global = lib.register;
      return global;
    }
  }
  throw new Error(
    `${owner}: no registry was given and neither prom-client nor @prometheus-io/client is installed: ` +
      "npm install prom-client (or @prometheus-io/client), or pass a registry",
  );
}
