/**
 * Issue 13: what users already run over go-grpc-prometheus's metrics
 * (public dashboards, alert and recording rules, Pyrra SLOs, read from
 * ../shared/thirdparty) gives on ours what it gives on goref's.
 *
 * One real Prometheus per variant of the scenario's metrics: goref's
 * exposition; ours (the scenario run in-process through our server and
 * client); goref's with the difference table applied; and goref's with the
 * table applied but for one reason, for each reason, which tells which
 * reason an expression's difference comes from. Each Prometheus scrapes
 * its variant under every job the files name (support/thirdparty.ts,
 * servedJobs), so that the expressions run as written, on the same job and
 * label names everywhere; every target serves samples at the same
 * timestamps (support/thirdparty-serve.ts), so the results are exact.
 * Every expression must give on ours exactly what it gives on goref's with
 * the table applied: a difference the table lacks fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { golden, ourServer, runOurClient, scenario } from "./support/conformance.js";
import { scrape, settled } from "./support/exposition.js";
import { type Prometheus, prometheusMissing, startPrometheus } from "./support/prometheus.js";
import { type Expression, extractAll, servedJobs, thirdpartyMissing } from "./support/thirdparty.js";
import {
  canonical,
  merge,
  mismatches,
  queryAt,
  type Reason,
  type Result,
  reasonsOf,
  type Series,
  serve,
  type Target,
  withDifferences,
} from "./support/thirdparty-serve.js";
import { sleep, waitFor } from "./support/wait.js";

/** name is the scenario served: goref's shared one (every call type, several codes). */
const name = "shared";
/** K: queries run at start + K.5 s, once every target has been scraped more than K times. */
const K = 6;

/**
 * evaluated is how many expressions each file gives, so that a file that
 * silently yields nothing (or fewer) fails; skipped, those it gives that
 * cannot run (none: every variable resolves).
 */
const evaluated: Record<string, number> = {
  "awesome-prometheus-alerts__etcd_embedded-exporter.yml": 3,
  "awesome-prometheus-alerts__gitlab-ci_gitaly.yml": 3,
  "awesome-prometheus-alerts__thanos_thanos-query.yml": 2,
  "awesome-prometheus-alerts__thanos_thanos-ruler.yml": 1,
  "awesome-prometheus-alerts__thanos_thanos-store.yml": 1,
  "mjpitz-grpc-jsonnet-lib__grpc-metrics.json": 13,
  "monitoring-mixins__argo-cd-2__alerts.yaml": 1,
  "monitoring-mixins__etcd__alerts.yaml": 3,
  "monitoring-mixins__etcd__dashboard.json": 4,
  "pyrra__parca-grpc-queryrange-errors.yaml": 3,
  "pyrra__thanos-grpc.yaml": 3,
  "thanos__alerts.yaml": 4,
  "thanos__query.json": 10,
  "thanos__rules.yaml": 6,
  "thanos__store.json": 10,
};

/**
 * differencesSeen are the expressions whose results on goref's metrics
 * differ from those on ours, and the reasons of the difference table that
 * make them differ (timings aside: durations are compared loosely). On the
 * shared scenario the server shows none; on the client, ours has every
 * series at 0 from construction (a rate of 0 where goref's has no series),
 * goref's never counts a successful client-streaming call as handled (go92)
 * and counts a unary response as received when the call fails (go86).
 */
const differencesSeen: Record<string, string> = {
  'mjpitz-grpc-jsonnet-lib__grpc-metrics.json: panel "Client Call Error Rate" #1 (as written)': "clientZeros",
  'mjpitz-grpc-jsonnet-lib__grpc-metrics.json: panel "Client Call Completion Rate" #1 (as written)': "go92",
  'mjpitz-grpc-jsonnet-lib__grpc-metrics.json: panel "Client Message Receive Rate" #1 (as written)':
    "clientZeros, go86",
  'thanos__query.json: panel "Rate" #1 (as written)': "clientZeros",
  'thanos__query.json: panel "Errors" #1 (as written)': "clientZeros",
  'thanos__query.json: panel "Rate" #2 (as written)': "clientZeros",
  'thanos__query.json: panel "Errors" #2 (as written)': "clientZeros",
  "thanos__rules.yaml: record :grpc_client_failures_per_unary:sum_rate (as written)": "clientZeros",
  "thanos__rules.yaml: record :grpc_client_failures_per_unary:sum_rate (recorded)": "clientZeros",
  "thanos__rules.yaml: record :grpc_client_failures_per_stream:sum_rate (as written)": "clientZeros",
  "thanos__rules.yaml: record :grpc_client_failures_per_stream:sum_rate (recorded)": "clientZeros",
};

/** Variant is one Prometheus: what it scrapes, under every served job. */
interface Variant {
  readonly name: string;
  readonly series: Series;
  /** omit: for goref's with the table applied, the reason left out (to attribute a difference). */
  readonly omit?: Reason;
  prometheus?: Prometheus;
  targets?: Target[];
  instances?: Map<string, string>;
}

const skip = thirdpartyMissing ?? prometheusMissing;

describe.skipIf(skip !== undefined)(
  `third-party dashboards, rules and SLOs over goref's ${name} scenario and ours, on a real Prometheus${skip ? ` (${skip})` : ""}`,
  () => {
    const extracted = skip === undefined ? extractAll() : [];
    const expressions: Expression[] = extracted.flatMap((e) => e.expressions);
    const variants: Variant[] = [];
    /** results[variant][expression index][form name] */
    const results = new Map<string, Map<number, Map<string, Result>>>();
    let ruleDir = "";

    beforeAll(async () => {
      const server = await ourServer();
      let ours: Series;
      try {
        const clientRegistry = await runOurClient(server.address, scenario(name));
        ours = merge(await settled(() => scrape(server.registry)), await scrape(clientRegistry));
      } finally {
        await server.close();
      }
      const g = golden(name);
      const go = merge(g.server, g.client);
      variants.push(
        { name: "go", series: go },
        { name: "go+table", series: withDifferences(name, go, ours) },
        { name: "ours", series: ours },
        ...reasonsOf(name).map((r) => ({
          name: `go+table-${r}`,
          series: withDifferences(name, go, ours, [r]),
          omit: r,
        })),
      );

      ruleDir = mkdtempSync(join(tmpdir(), "grpc-prom-thirdparty-"));
      const ruleFiles = extracted.flatMap((e) => [
        ...e.ruleFiles,
        ...Object.entries(e.ruleTexts).map(([f, text]) => {
          writeFileSync(join(ruleDir, f), text);
          return join(ruleDir, f);
        }),
      ]);

      const startMs = Math.floor(Date.now() / 1000) * 1000;
      await Promise.all(
        variants.map(async (v) => {
          v.targets = await Promise.all(servedJobs.map(() => serve(v.series, startMs)));
          v.instances = new Map(v.targets.map((t, i) => [t.address, servedJobs[i]!]));
          v.prometheus = await startPrometheus(
            servedJobs.map((job, i) => ({ job, targets: [v.targets![i]!.address] })),
            ruleFiles,
          );
        }),
      );
      await Promise.all(variants.map((v) => v.prometheus!.waitForTargets()));
      const targets = variants.flatMap((v) => v.targets!);
      await waitFor(() => targets.every((t) => t.scrapes() > K), {
        timeoutMs: 40_000,
        intervalMs: 100,
        what: () => `targets not scraped ${K + 1} times: ${targets.map((t) => t.scrapes()).join(" ")}`,
      });
      const at = startMs + K * 1000 + 500;
      // Recorded series: rules run every second; wait for a run after every target has its samples.
      await sleep(Math.max(0, at + 2_500 - Date.now()));

      await Promise.all(
        variants.map(async (v) => {
          const byExpr = new Map<number, Map<string, Result>>();
          results.set(v.name, byExpr);
          for (const [i, e] of expressions.entries()) {
            const forms = new Map<string, Result>();
            byExpr.set(i, forms);
            for (const f of e.forms) {
              // A recorded ratio is the same whenever the rule ran; read the latest.
              const samples = await queryAt(v.prometheus!.url, f.query, f.name === "recorded" ? undefined : at);
              forms.set(f.name, canonical(samples, v.instances!));
            }
          }
        }),
      );
    }, 90_000);

    afterAll(async () => {
      await Promise.all(
        variants.map(async (v) => {
          await v.prometheus?.stop();
          await Promise.all((v.targets ?? []).map((t) => t.close()));
        }),
      );
      if (ruleDir !== "") rmSync(ruleDir, { recursive: true, force: true });
    });

    const result = (variant: string, i: number, form: string) => results.get(variant)!.get(i)!.get(form)!;

    it("extracts every gRPC expression of every file, and can run them all", () => {
      expect(Object.fromEntries(extracted.map((e) => [e.file, e.expressions.length]))).toEqual(evaluated);
      expect(extracted.flatMap((e) => e.skipped)).toEqual([]);
    });

    it.each(Object.keys(evaluated))("%s: every expression selects our metrics", (file) => {
      const empty: string[] = [];
      for (const [i, e] of expressions.entries()) {
        if (e.file !== file) continue;
        // What an alert compares (its value form), what a panel or a rule computes; an alert that does not fire is empty.
        const form = e.forms.find((f) => f.name === "value") ?? e.forms[0]!;
        if (result("ours", i, form.name).size === 0) empty.push(`${e.what}: ${form.query}`);
      }
      expect(empty).toEqual([]);
    });

    it.each(Object.keys(evaluated))(
      "%s: every expression gives on ours what it gives on goref's, but for the difference table",
      (file) => {
        const found: string[] = [];
        for (const [i, e] of expressions.entries()) {
          if (e.file !== file) continue;
          for (const f of e.forms) {
            for (const m of mismatches(result("go+table", i, f.name), result("ours", i, f.name), f.compare)) {
              found.push(`${e.what} (${f.name}) ${m.labels}: goref's with the table ${m.a}, ours ${m.b}`);
            }
          }
        }
        expect(found).toEqual([]);
      },
    );

    it("differs from goref's where the difference table says, and only there, each for its reasons", () => {
      const seen: Record<string, string> = {};
      for (const [i, e] of expressions.entries()) {
        for (const f of e.forms) {
          const table = result("go+table", i, f.name);
          if (mismatches(result("go", i, f.name), table, f.compare).length === 0) continue;
          // A reason explains the difference when leaving it out of the table changes the result.
          const why = variants
            .filter((v) => v.omit !== undefined && mismatches(result(v.name, i, f.name), table, f.compare).length > 0)
            .map((v) => v.omit!);
          seen[`${e.file}: ${e.what} (${f.name})`] = why.join(", ") || "no single reason";
        }
      }
      expect(seen).toEqual(differencesSeen);
    });
  },
);
