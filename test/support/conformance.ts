import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { expect } from "vitest";
import { ClientMetrics, instrumentClient, instrumentServer, ServerMetrics } from "../../runtime/index.js";
import { TestServiceService } from "../../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../../testdata/gen/test_grpc_prom.js";
import { expected, type Row } from "./differences.js";
import { comparable, type Exposition, parseExposition } from "./exposition.js";
import { repo } from "./plugin.js";
import { TestService } from "./proto-loader.js";
import { runScenario, type Step } from "./scenario.js";
import { startServer } from "./server.js";
import { testService } from "./test-service.js";

/** gorefDir holds the scenarios (NAME.json) and what goref printed for each (NAME.txt). */
export const gorefDir = join(repo, "testdata", "goref");

/** scenarioNames lists the scenarios in testdata/goref. */
export function scenarioNames(): string[] {
  return readdirSync(gorefDir)
    .filter((f) => f.endsWith(".json") && f !== "differences.json")
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** scenario reads the steps of a scenario. */
export function scenario(name: string): Step[] {
  return JSON.parse(readFileSync(join(gorefDir, `${name}.json`), "utf8")) as Step[];
}

/** Expositions are a server's and a client's metrics after a scenario. */
export interface Expositions {
  readonly server: Exposition;
  readonly client: Exposition;
}

/** golden reads what goref's Go server and client showed for a scenario. */
export function golden(name: string): Expositions {
  const text = readFileSync(join(gorefDir, `${name}.txt`), "utf8");
  const cut = text.indexOf("# ---- client");
  return { server: parseExposition(text.slice(0, cut)), client: parseExposition(text.slice(cut)) };
}

/**
 * Path is how a conformance run instruments the service: ts-proto's
 * generated wrappers; proto-loader's definition and client constructor,
 * loaded at run time, through instrumentServer and instrumentClient; or a
 * plain proto-loader implementation on an InstrumentedServer, one step for
 * the whole server (its client as proto-loader's).
 */
export type Path = "ts-proto" | "proto-loader" | "server-wide";

/**
 * ourServer starts the conformance service instrumented as goref's is (both
 * histograms of the server on), on its own Registry, on 127.0.0.1:0.
 */
export async function ourServer(path: Path = "ts-proto") {
  const registry = new Registry();
  const metrics = new ServerMetrics({ registry, handlingTimeHistogram: true });
  const running =
    path === "server-wide"
      ? await startServer((s) => s.addService(TestService.service, testService), {}, metrics)
      : await startServer((s) =>
          path === "ts-proto"
            ? s.addService(TestServiceService, instrumentTestServiceServer(testService, metrics))
            : s.addService(TestService.service, instrumentServer(TestService.service, testService, metrics)),
        );
  return { registry, address: running.address, close: () => running.close() };
}

/**
 * runOurClient runs a scenario through an instrumented client with every
 * histogram on, as goref's, against address, and returns its registry.
 */
export async function runOurClient(
  address: string,
  steps: readonly Step[],
  path: Path = "ts-proto",
): Promise<Registry> {
  const registry = new Registry();
  const metrics = new ClientMetrics({
    registry,
    handlingTimeHistogram: true,
    streamReceiveTimeHistogram: true,
    streamSendTimeHistogram: true,
  });
  const Ctor = path === "ts-proto" ? InstrumentedTestServiceClient : instrumentClient(TestService);
  // proto-loader's clients have ts-proto's method names too (each method's originalName), which the scenario calls.
  const client = new Ctor(address, credentials.createInsecure(), {}, metrics) as InstanceType<
    typeof InstrumentedTestServiceClient
  >;
  try {
    await runScenario(client, steps);
  } finally {
    client.close();
  }
  return registry;
}

/** Difference is one series on which two expositions differ; undefined stands for absent or 0. */
export interface Difference {
  readonly series: string;
  readonly go: number | undefined;
  readonly ours: number | undefined;
}

/**
 * differences lists the series on which two canonical expositions differ.
 * With ignoreZero, a series at 0 counts as absent: the Go client makes no
 * series before a call, we make them all at construction.
 */
export function differences(go: Map<string, number>, ours: Map<string, number>, ignoreZero: boolean): Difference[] {
  const out: Difference[] = [];
  const nz = (v: number | undefined) => (ignoreZero && v === 0 ? undefined : v);
  for (const k of new Set([...go.keys(), ...ours.keys()])) {
    const [g, o] = [nz(go.get(k)), nz(ours.get(k))];
    if (g !== o) out.push({ series: k, go: g, ours: o });
  }
  return out.sort((a, b) => (a.series < b.series ? -1 : 1));
}

/**
 * expectLikeGo checks one side's exposition against goref's for a scenario:
 * HELP and TYPE identical; series identical, timings aside, but for the rows
 * of the difference table (or the rows given); on the client, zero-valued
 * series aside, as the Go client makes none before a call.
 */
export function expectLikeGo(
  name: string,
  side: Row["side"],
  go: Exposition,
  ours: Exposition,
  rows: ReturnType<typeof expected> = expected(name, side),
): void {
  const prefix = `grpc_${side}_`;
  const found = differences(comparable(go, prefix), comparable(ours, prefix), side === "client");
  expect(found, `${name}: ${side} differences from goref`).toEqual(rows);
  const meta = (e: Exposition) => Object.fromEntries([...e.meta].filter(([k]) => k.includes(prefix)));
  expect(meta(ours)).toEqual(meta(go));
}
