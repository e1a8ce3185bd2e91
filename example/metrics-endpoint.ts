import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** DemoError is a problem the user can fix, told in one line, without a stack trace. */
export class DemoError extends Error {}

/**
 * metricsPort reads METRICS_PORT's value: 0 (any free port) when unset or
 * empty, else a port number; it throws a DemoError for anything else.
 */
export function metricsPort(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 0;
  const port = /^\s*\d{1,5}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(port <= 65_535)) {
    throw new DemoError(
      `METRICS_PORT ${JSON.stringify(value)} is not a port number (0 to 65535); choose another or unset it`,
    );
  }
  return port;
}

/** MetricsEndpoint is the HTTP server of /metrics, listening. */
export interface MetricsEndpoint {
  readonly url: string;
  /** close stops listening and drops open connections: a scraper's keep-alive would otherwise hold the process open. */
  close(): void;
}

/**
 * serveMetrics serves the registry's text exposition at /metrics on
 * 127.0.0.1:port (0: a free one). It throws a DemoError, naming
 * METRICS_PORT, when the port is taken or not allowed.
 */
export async function serveMetrics(registry: Registry, port: number): Promise<MetricsEndpoint> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404).end("not found; try /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(listenError(err, port)));
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** listenError turns a failed listen into what the user can do about it. */
function listenError(err: NodeJS.ErrnoException, port: number): Error {
  switch (err.code) {
    case "EADDRINUSE":
      return new DemoError(`METRICS_PORT ${port} is in use; choose another or unset it`);
    case "EACCES":
      return new DemoError(`METRICS_PORT ${port} is not allowed for this user; choose another or unset it`);
    default:
      return new DemoError(`cannot serve /metrics on 127.0.0.1:${port}: ${err.message}`);
  }
}
