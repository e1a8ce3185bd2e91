import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClientDuplexStream, credentials, Metadata } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetricsEndpoint, serveMetrics } from "../example/metrics-endpoint.js";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import { ClientMetrics, ServerMetrics } from "../runtime/index.js";
import { type PingRequest, type PingResponse, TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { drain, pingRequest, unary } from "./support/calls.js";
import {
  allTargets,
  type DashboardJson,
  goldenDashboards,
  labelValuesQuery,
  legendLabels,
  rows,
  substitute,
  type TargetJson,
  targets,
  type Values,
} from "./support/dashboard.js";
import { methods } from "./support/harness.js";
import { repo, requestFor } from "./support/plugin.js";
import { type Prometheus, prometheusMissing, type Sample, startPrometheus } from "./support/prometheus.js";
import { deadline, type Running, startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";
import { sleep, waitFor } from "./support/wait.js";

// The conformance service's dashboard and rule file, as generated, on a real
// Prometheus scraping every second two replicas of an instrumented server
// (job grpc-server) and a process whose instrumented clients call both
// (job grpc-client), under a load of every call type with errors. Twice:
// the golden files over the default names, and files generated with
// namespace and subsystem over metrics given the same.

/** Variant is one dashboard and rule file, and the metrics options they are for. */
interface Variant {
  readonly name: string;
  readonly dashboard: DashboardJson;
  readonly ruleFile: string;
  readonly prefix: { readonly namespace?: string; readonly subsystem?: string };
}

const scratch = mkdtempSync(join(tmpdir(), "grpc-prom-live-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** prefixedVariant generates test.proto's files with the golden's options and namespace=shop,subsystem=api. */
function prefixedVariant(): Variant {
  const request = requestFor(
    { "test.proto": readFileSync(join(repo, "testdata", "proto", "test.proto"), "utf8") },
    "target=ts,import_extension=js,dashboards=true,rules=true,histogram=true,slo_latency=0.25,namespace=shop,subsystem=api",
  );
  const files = new Map(protocGenGrpcProm.run(request).file.map((f) => [f.name, f.content]));
  const ruleFile = join(scratch, "test_TestService.rules.yml");
  writeFileSync(ruleFile, files.get("test_TestService.rules.yml")!);
  return {
    name: "generated with namespace=shop,subsystem=api, over metrics with the same",
    dashboard: JSON.parse(files.get("test_TestService.dashboard.json")!) as DashboardJson,
    ruleFile,
    prefix: { namespace: "shop", subsystem: "api" },
  };
}

const variants: readonly Variant[] = [
  {
    name: "as generated in testdata/gen",
    dashboard: goldenDashboards().get("test_TestService.dashboard.json")!.json,
    ruleFile: join(repo, "testdata", "gen", "test_TestService.rules.yml"),
    prefix: {},
  },
  prefixedVariant(),
];

const values: Values = { ...allTargets, job: "grpc-(server|client)", rateInterval: "15s", interval: "15s" };

/** The codes the load fails with: none is OK, so that every error panel has something to show. */
const codes = {
  InvalidArgument: 3,
  NotFound: 5,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  Unavailable: 14,
};

/** Call is one call of the load: the i-th of its kind. */
type Call = (client: InstrumentedTestServiceClient, i: number) => Promise<unknown>;

const calls: Call[] = [
  (c) => unary((md, o, cb) => c.pingEmpty({}, md, o, cb)),
  (c, i) => unary((md, o, cb) => c.ping(pingRequest({ sleepTimeMs: 1 + (i % 10) }), md, o, cb)),
  (c, i) => {
    const code = [codes.NotFound, codes.Unavailable, codes.InvalidArgument][i % 3]!;
    return unary((md, o, cb) => c.pingError(pingRequest({ errorCodeReturned: code }), md, o, cb));
  },
  (c, i) =>
    drain(
      c.pingList(pingRequest({ errorCodeReturned: i % 4 === 0 ? codes.ResourceExhausted : 0 }), new Metadata(), {
        deadline: deadline(),
      }),
    ),
  (c, i) =>
    unary((md, o, cb) => {
      const call = c.pingClientStream(md, o, cb);
      for (let n = 0; n < 3; n++)
        call.write(pingRequest({ errorCodeReturned: i % 4 === 1 && n === 2 ? codes.FailedPrecondition : 0 }));
      call.end();
      return call;
    }),
  (c, i) => {
    const call = c.pingStream(new Metadata(), { deadline: deadline() });
    const outcome = drain(call);
    for (let n = 0; n < 3; n++)
      call.write(pingRequest({ errorCodeReturned: i % 4 === 2 && n === 1 ? codes.Aborted : 0 }));
    call.end();
    return outcome;
  },
];

/** Live is everything the test runs: Prometheus, and what it scrapes under load. */
interface Live {
  readonly prom: Prometheus;
  stop(): Promise<void>;
}

/** start runs the servers, the clients, their metrics endpoints, the load and Prometheus, for one variant. */
async function start(v: Variant): Promise<Live> {
  const endpoints: MetricsEndpoint[] = [];
  const servers: Running[] = [];
  const serve = async (registry: Registry) => {
    const e = await serveMetrics(registry, 0);
    endpoints.push(e);
    return new URL(e.url).host;
  };
  const serverTargets: string[] = [];
  for (let r = 0; r < 2; r++) {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry, handlingTimeHistogram: true, ...v.prefix });
    servers.push(
      await startServer((s) => s.addService(TestServiceService, instrumentTestServiceServer(testService, metrics))),
    );
    serverTargets.push(await serve(registry));
  }
  const registry = new Registry();
  const clientMetrics = new ClientMetrics({ registry, handlingTimeHistogram: true, ...v.prefix });
  const clients = servers.map(
    (s) => new InstrumentedTestServiceClient(s.address, credentials.createInsecure(), {}, clientMetrics),
  );
  const clientTarget = await serve(registry);

  // One stream per client kept open throughout: calls in flight on both sides, one per replica.
  const held: ClientDuplexStream<PingRequest, PingResponse>[] = clients.map((c) => {
    const call = c.pingStream(new Metadata(), { deadline: deadline(120_000) });
    call.on("data", () => {});
    call.on("error", () => {});
    call.write(pingRequest());
    return call;
  });
  let running = true;
  const workers = clients.flatMap((c) =>
    [0, 1].map(async (w) => {
      for (let i = w; running; i++) {
        await calls[i % calls.length]!(c, Math.floor(i / calls.length));
        await sleep(15);
      }
    }),
  );
  let prom: Prometheus | undefined;
  const stop = async () => {
    running = false;
    await Promise.all(workers);
    for (const h of held) h.end();
    for (const c of clients) c.close();
    for (const s of servers) await s.close();
    for (const e of endpoints) e.close();
    await prom?.stop();
  };
  try {
    prom = await startPrometheus(
      [
        { job: "grpc-server", targets: serverTargets },
        { job: "grpc-client", targets: [clientTarget] },
      ],
      [v.ruleFile],
    );
    await prom.waitForTargets();
  } catch (err) {
    await stop();
    throw err;
  }
  return { prom, stop };
}

/** problem says what is wrong with a panel query's answer, or undefined: the checks every query must pass. */
function problem(target: TargetJson, result: Sample[]): string | undefined {
  const want = legendLabels(target.legendFormat).sort();
  if (result.length === 0) return "no series";
  for (const s of result) {
    // Everything else, instance and job included, is summed away: one series per legend entry, over every replica.
    if (JSON.stringify(Object.keys(s.metric).sort()) !== JSON.stringify(want)) {
      return `a series with labels ${JSON.stringify(s.metric)}, not exactly ${want.join(", ") || "none"}`;
    }
  }
  if (!result.some((s) => Number.isFinite(s.value) && s.value > 0)) {
    return `no series above 0: ${JSON.stringify(result)}`;
  }
  if (want.includes("grpc_method")) {
    const types = /grpc_type=~"([^"]*)"/.exec(target.expr)?.[1]?.split("|");
    const expected: string[] = methods.filter(([, t]) => types === undefined || types.includes(t)).map(([m]) => m);
    const got = [...new Set(result.map((s) => s.metric.grpc_method!))].sort();
    // A query that keeps only what happened (`> 0`) shows some of the methods; any other, all of them.
    const ok = target.expr.endsWith("> 0")
      ? got.every((m) => expected.includes(m))
      : JSON.stringify(got) === JSON.stringify([...expected].sort());
    if (!ok) return `methods ${got.join(", ")}, expected ${expected.join(", ")}`;
  }
  if (want.includes("grpc_code") && result.some((s) => s.metric.grpc_code === "OK")) return "OK among the error codes";
  return undefined;
}

describe.skipIf(prometheusMissing).each(variants)(
  "the conformance service's dashboard and rules on a real Prometheus, $name",
  (v) => {
    const { dashboard, ruleFile } = v;
    let run: Live;
    beforeAll(async () => {
      run = await start(v);
    }, 60_000);
    afterAll(() => run?.stop(), 30_000);

    /** windowFilled waits until Prometheus holds a whole rate window of scrapes of every target: 15 of 15s. */
    const windowFilled = () =>
      waitFor(async () => (await run.prom.query(`min(count_over_time(up[${values.rateInterval}])) >= 14`)).length > 0, {
        timeoutMs: 40_000,
        intervalMs: 500,
        what: `no whole ${values.rateInterval} of scrapes`,
      });

    it("finds both jobs and all three instances through the dashboard's variables", async () => {
      const answers: Record<string, string[]> = {};
      for (const v of dashboard.templating.list.filter((x) => x.type === "query")) {
        const { selector, label } = labelValuesQuery(v.query!);
        await waitFor(
          async () => {
            const url = `${run.prom.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(substitute(selector, values))}`;
            answers[v.name] = ((await (await fetch(url)).json()) as { data: string[] }).data;
            return answers[v.name]!.length === (v.name === "job" ? 2 : 3);
          },
          { timeoutMs: 20_000, intervalMs: 250, what: () => `variable ${v.name}: ${answers[v.name]}` },
        );
      }
      expect(answers.job).toEqual(["grpc-client", "grpc-server"]);
    });

    it("answers every query of every panel with series of the legend's labels, summed over the replicas, some above 0", async () => {
      const all = targets(dashboard);
      // Per side: 4 stats, 5 graphs of requests and errors, 3 quantiles of each of the 6 methods, 2 of messages.
      expect(all.length).toBe(2 * (4 + 5 + 3 * 6 + 2));
      await windowFilled();
      let problems: string[] = [];
      // Retried a few times: on a loaded machine a scrape can come late.
      const settled = await waitFor(
        async () => {
          problems = [];
          for (const { panel, target } of all) {
            const why = problem(target, await run.prom.query(substitute(target.expr, values)));
            if (why !== undefined) problems.push(`${panel.title} ${target.refId} (${target.expr}): ${why}`);
          }
          return problems.length === 0;
        },
        { timeoutMs: 20_000, intervalMs: 1_000, orFalse: true },
      );
      expect(problems).toEqual([]);
      expect(settled).toBe(true);
    }, 60_000);

    it("shows what the load did: PingError always failing, 3 messages per client stream, the held streams in flight", async () => {
      await windowFilled();
      /** answer is a panel's query, by row and title, keyed by its series' grpc_method (or "" for one series). */
      const answer = async (row: string, title: string, refId = "A") => {
        const panel = rows(dashboard)
          .find((r) => r.title === row)!
          .panels.find((p) => p.title === title)!;
        const target = panel.targets!.find((t) => t.refId === refId)!;
        const result = await run.prom.query(substitute(target.expr, values));
        return Object.fromEntries(result.map((r) => [r.metric.grpc_method ?? "", r.value]));
      };
      for (const side of ["Server", "Client"]) {
        const errors = await answer(`${side}: requests and errors`, "Error % by method");
        // 100 up to rounding: two rates of the same counts, extrapolated alike.
        expect(errors.PingError, side).toBeCloseTo(100, 6);
        expect([errors.PingEmpty, errors.Ping], side).toEqual([0, 0]);
        // One stream held open per replica, summed over both; calls of the load may be in flight beside them.
        const inFlight = await answer(`${side}: requests and errors`, "In flight by method");
        expect(inFlight.PingStream, side).toBeGreaterThanOrEqual(2);
        const [p50, p90, p99] = await Promise.all(
          ["A", "B", "C"].map(async (ref) => (await answer(`${side}: latency by method`, "Ping latency", ref))[""]!),
        );
        expect(p50, side).toBeGreaterThan(0);
        expect(p50! <= p90! && p90! <= p99!, `${side}: p50 ${p50}, p90 ${p90}, p99 ${p99}`).toBe(true);
      }
      // Each client stream writes 3 requests (the started and received counters drift by a call at the window's edges).
      const received = await answer("Server: stream messages per call", "Messages received per call");
      expect(received.PingClientStream).toBeGreaterThan(2.5);
      expect(received.PingClientStream).toBeLessThan(3.5);
      const sent = await answer("Client: stream messages per call", "Messages sent per call");
      expect(sent.PingClientStream).toBeGreaterThan(2.5);
      expect(sent.PingClientStream).toBeLessThan(3.5);
    }, 60_000);

    it("loads every group of the rule file healthy, and every recording rule answers with series", async () => {
      const text = readFileSync(ruleFile, "utf8");
      const recorded = [...text.matchAll(/^\s*- record: (\S+)$/gm)].map((m) => m[1]!);
      const groupsInFile = [...text.matchAll(/^\s*- name: (\S+)$/gm)].map((m) => m[1]!);
      let groups: Awaited<ReturnType<Prometheus["rules"]>> = [];
      // Every rule evaluated at least once (health "unknown" before).
      await waitFor(
        async () => {
          groups = await run.prom.rules();
          return (
            groups.length === groupsInFile.length && groups.every((g) => g.rules.every((r) => r.health !== "unknown"))
          );
        },
        { timeoutMs: 20_000, intervalMs: 250, what: () => `rule groups: ${JSON.stringify(groups)}` },
      );
      expect(groups.map((g) => g.name).sort()).toEqual([...groupsInFile].sort());
      const unhealthy = groups.flatMap((g) =>
        g.rules
          .filter((r) => r.health !== "ok" || r.lastError)
          .map((r) => `${g.name} ${r.name}: ${r.health} ${r.lastError}`),
      );
      expect(unhealthy).toEqual([]);
      expect(groups.flatMap((g) => g.rules.filter((r) => r.type === "recording").map((r) => r.name)).sort()).toEqual(
        [...recorded].sort(),
      );
      const empty: string[] = [];
      await waitFor(
        async () => {
          empty.length = 0;
          for (const name of new Set(recorded)) {
            const series = await run.prom.query(name);
            if (series.length === 0) empty.push(name);
          }
          return empty.length === 0;
        },
        { timeoutMs: 20_000, intervalMs: 500, orFalse: true },
      );
      expect(empty).toEqual([]);
    }, 60_000);
  },
);
