import { Project, ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardJson, dashboardUid } from "../plugin/monitoring/dashboard.js";
import type { MonitoredService } from "../plugin/monitoring/model.js";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import {
  allTargets,
  type DashboardJson,
  goldenDashboards,
  labelValuesQuery,
  legendLabels,
  type PanelJson,
  panels,
  rows,
  substitute,
  targets,
} from "./support/dashboard.js";
import { repo, requestFor } from "./support/plugin.js";
import { type Prometheus, prometheusMissing, startPrometheus } from "./support/prometheus.js";

const golden = goldenDashboards();

/** viaVariable is the datasource reference every panel, query and variable uses: the datasource variable. */
const viaVariable = { type: "prometheus", uid: `\${datasource}` };

/** The services of testdata/proto, by their dashboard's file: full name and methods with their grpc_type. */
const services: Record<string, { typeName: string; methods: Record<string, string> }> = {
  "acme/deeply/nested/v1/inventory_Inventory.dashboard.json": {
    typeName: "acme.deeply.nested.v1.Inventory",
    methods: { Get: "unary", List: "server_stream" },
  },
  "acme/deeply/nested/v1/inventory_Placeholder.dashboard.json": {
    typeName: "acme.deeply.nested.v1.Placeholder",
    methods: {},
  },
  "multi_Alpha.dashboard.json": {
    typeName: "acme.multi.Alpha",
    methods: { GetHTTPStatus: "unary", get_foo_bar: "unary", Watch: "server_stream" },
  },
  "multi_Beta.dashboard.json": {
    typeName: "acme.multi.Beta",
    methods: { Upload: "client_stream", Chat: "bidi_stream" },
  },
  "nopackage_Bare.dashboard.json": { typeName: "Bare", methods: { Echo: "unary" } },
  "test_TestService.dashboard.json": {
    typeName: "mwitkow.testproto.TestService",
    methods: {
      PingEmpty: "unary",
      Ping: "unary",
      PingError: "unary",
      PingList: "server_stream",
      PingClientStream: "client_stream",
      PingStream: "bidi_stream",
    },
  },
};

const requestPanels = [
  "Request rate by method",
  "Errors by method and code",
  "Error % by code",
  "Error % by method",
  "In flight by method",
];

/** outline is each row's title with its panels' titles. */
const outline = (d: DashboardJson) => rows(d).map((r) => [r.title, r.panels.map((p) => p.title)]);

/** messagePanels are the stream-message panels of a side, each with the grpc_type values its queries select. */
function messagePanels(d: DashboardJson, side: "Server" | "Client"): Record<string, string> {
  const row = rows(d).find((r) => r.title === `${side}: stream messages per call`);
  const out: Record<string, string> = {};
  for (const p of row?.panels ?? []) out[p.title] = /grpc_type=~"([^"]*)"/.exec(p.targets![0]!.expr)![1]!;
  return out;
}

describe("the dashboards of testdata/gen", () => {
  it("are one per service of testdata/proto", () => {
    expect([...golden.keys()]).toEqual(Object.keys(services).sort());
  });

  it("lay out the conformance service: the server's rows, then the client's", () => {
    const d = golden.get("test_TestService.dashboard.json")!.json;
    const methods = Object.keys(services["test_TestService.dashboard.json"]!.methods);
    const side = (s: string, messages: string[]) => [
      [`${s}: requests and errors`, ["Requests/s", "Error %", "In flight", "p99 latency", ...requestPanels]],
      [`${s}: latency by method`, methods.map((m) => `${m} latency`)],
      [`${s}: stream messages per call`, messages],
    ];
    expect(outline(d)).toEqual([
      ...side("Server", ["Messages received per call", "Messages sent per call"]),
      ...side("Client", ["Messages sent per call", "Messages received per call"]),
    ]);
  });

  it.each(Object.keys(services))("%s: a latency panel per method, messages per call only for its streams", (file) => {
    const d = golden.get(file)!.json;
    const { methods } = services[file]!;
    const types = new Set(Object.values(methods));
    const of = (...t: string[]) => t.filter((x) => types.has(x)).join("|");
    // The server receives the client's stream and sends its own; the client the other way round.
    const expected = (first: [string, string], second: [string, string]) =>
      Object.fromEntries([first, second].filter(([, t]) => t !== ""));
    const clientStreams = of("client_stream", "bidi_stream");
    const serverStreams = of("server_stream", "bidi_stream");
    expect(messagePanels(d, "Server")).toEqual(
      expected(["Messages received per call", clientStreams], ["Messages sent per call", serverStreams]),
    );
    expect(messagePanels(d, "Client")).toEqual(
      expected(["Messages sent per call", clientStreams], ["Messages received per call", serverStreams]),
    );
    for (const side of ["Server", "Client"]) {
      const latency = rows(d).find((r) => r.title === `${side}: latency by method`);
      expect(latency?.panels.map((p) => p.title) ?? [], side).toEqual(Object.keys(methods).map((m) => `${m} latency`));
      const requests = rows(d).find((r) => r.title === `${side}: requests and errors`)!;
      expect(requests.panels.map((p) => p.title)).toEqual([
        "Requests/s",
        "Error %",
        "In flight",
        "p99 latency",
        ...requestPanels,
      ]);
    }
  });

  describe.each([...golden.keys()])("%s", (file) => {
    const { typeName } = services[file]!;
    const d = golden.get(file)!.json;

    it("has a stable uid made from the service's full name, within Grafana's 40 characters", () => {
      expect(d.uid).toBe(dashboardUid(typeName));
      expect(d.uid).toMatch(/^grpc-[a-z0-9-]+-[0-9a-f]{12}$/);
      expect(d.uid.length).toBeLessThanOrEqual(40);
      expect(d.title).toBe(`gRPC / ${typeName}`);
      // Nothing that changes from run to run, or that an import would clash on.
      expect(Object.keys(d)).not.toContain("id");
      expect(Object.keys(d)).not.toContain("version");
      expect(golden.get(file)!.text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/);
    });

    it("has the datasource, job, instance and free matcher variables", () => {
      expect(d.templating.list.map((v) => [v.name, v.type])).toEqual([
        ["datasource", "datasource"],
        ["job", "query"],
        ["instance", "query"],
        ["matcher", "textbox"],
      ]);
      expect(d.templating.list[0]!.query).toBe("prometheus");
      for (const v of d.templating.list.slice(1, 3)) {
        expect(v).toMatchObject({ multi: true, includeAll: true, allValue: ".*", datasource: viaVariable });
        const { selector, label } = labelValuesQuery(v.query!);
        expect(label).toBe(v.name);
        expect(selector).toContain(`grpc_service=${JSON.stringify(typeName)}`);
        expect(selector).toMatch(/,\$matcher\}$/);
      }
      expect(labelValuesQuery(d.templating.list[2]!.query!).selector).toContain('job=~"$job"');
    });

    it("has distinct ids, in order, and panels that fit the 24 columns without overlapping", () => {
      const all = d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
      expect(all.map((p) => p.id)).toEqual(all.map((_, i) => i + 1));
      const boxes = all.map((p) => p.gridPos);
      for (const [i, a] of boxes.entries()) {
        expect(a.x + a.w, all[i]!.title).toBeLessThanOrEqual(24);
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${all[i]!.title} and a later panel overlap`).toBe(false);
        }
      }
    });

    it("says what each panel shows, on which side, in the unit it is in", () => {
      for (const row of rows(d)) {
        const side = row.title.startsWith("Server") ? "grpc_server_" : "grpc_client_";
        for (const p of row.panels) {
          expect(p.description, p.title).toMatch(new RegExp(`^[A-Z].{20,}\\(${side}\\*\\)`));
          for (const { expr } of p.targets!) {
            expect(
              expr.match(/grpc_(server|client)_/g)!.every((m) => m === side),
              `${p.title}: ${expr}`,
            ).toBe(true);
          }
        }
      }
      const unit = (p: PanelJson) => p.fieldConfig?.defaults.unit;
      for (const p of panels(d)) {
        if (/latency/.test(p.title)) expect(unit(p), p.title).toBe("s");
        else if (/%/.test(p.title)) expect(unit(p), p.title).toBe("percent");
        else if (/Request|Errors by/.test(p.title)) expect(unit(p), p.title).toBe("reqps");
        else expect(unit(p), p.title).toBe("short");
      }
    });

    it("restricts every selector to the service and the variables, with $__rate_interval in every rate and sum as the only aggregation", () => {
      const head = `grpc_service=${JSON.stringify(typeName)},job=~"$job",instance=~"$instance",`;
      for (const { panel, target } of targets(d)) {
        const { expr } = target;
        const where = `${panel.title} ${target.refId}: ${expr}`;
        expect(target.datasource, where).toEqual(viaVariable);
        expect(panel.datasource, where).toEqual(viaVariable);
        const selectors = [...expr.matchAll(/grpc_\w+\{([^}]*)\}/g)].map((m) => m[1]!);
        expect(selectors.length, where).toBeGreaterThan(0);
        for (const s of selectors) {
          expect(s.startsWith(head), where).toBe(true);
          expect(s.endsWith(",$matcher"), where).toBe(true);
        }
        // Each rate's range is Grafana's, and no other range appears.
        expect(expr.match(/\brate\(/g)?.length ?? 0, where).toBe(expr.match(/\}\[\$__rate_interval\]\)/g)?.length ?? 0);
        expect(expr.match(/\[[^\]]*\]/g)?.every((r) => r === "[$__rate_interval]") ?? true, where).toBe(true);
        const aggregations = expr.match(
          /\b(sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile)\b(?= *(by|without)? *\()/g,
        );
        expect(new Set(aggregations), where).toEqual(new Set(["sum"]));
        // A label the legend names is one the query keeps: every label is summed away but those of `by`.
        const kept = new Set([...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(", ")));
        for (const label of legendLabels(target.legendFormat))
          expect(kept.has(label), `${where} keeps ${label}`).toBe(true);
        if (legendLabels(target.legendFormat).length === 0)
          expect(
            [...kept].filter((l) => l !== "le"),
            where,
          ).toEqual([]);
      }
    });
  });
});

describe("the dashboard under other options", () => {
  const generate = (protos: Record<string, string>, parameter: string) =>
    protocGenGrpcProm
      .run(requestFor(protos, parameter))
      .file.filter((f) => f.name.endsWith(".dashboard.json"))
      .map((f) => JSON.parse(f.content) as DashboardJson);
  const m = 'syntax = "proto3"; package p; message M {}';

  it("has no latency panels without histogram=true, and no messages for a unary-only service", () => {
    const [d] = generate(
      { "u.proto": `${m} service U { rpc A(M) returns (M); rpc B(M) returns (M); }` },
      "target=ts,dashboards=true",
    );
    expect(outline(d!)).toEqual([
      ["Server: requests and errors", ["Requests/s", "Error %", "In flight", ...requestPanels]],
      ["Client: requests and errors", ["Requests/s", "Error %", "In flight", ...requestPanels]],
    ]);
    expect(JSON.stringify(d)).not.toContain("handling_seconds");
    // Three stats share the row's width.
    expect(
      rows(d!)[0]!
        .panels.slice(0, 3)
        .map((p) => p.gridPos.w),
    ).toEqual([8, 8, 8]);
  });

  it("has, for a server stream, messages sent on the server and received on the client; the other way for a client stream", () => {
    const [s, c] = generate(
      {
        "s.proto": `${m} service S { rpc W(M) returns (stream M); }`,
        "c.proto": 'syntax = "proto3"; package q; message M {} service C { rpc U(stream M) returns (M); }',
      },
      "target=ts,dashboards=true,histogram=true",
    ).sort((a, b) => a.title.localeCompare(b.title));
    expect([messagePanels(s!, "Server"), messagePanels(s!, "Client")]).toEqual([
      { "Messages sent per call": "server_stream" },
      { "Messages received per call": "server_stream" },
    ]);
    expect([messagePanels(c!, "Server"), messagePanels(c!, "Client")]).toEqual([
      { "Messages received per call": "client_stream" },
      { "Messages sent per call": "client_stream" },
    ]);
  });

  it("is the same for the same service, byte for byte, and differs in uid for a namesake elsewhere", () => {
    const service: MonitoredService = {
      typeName: "a.v1.Greeter",
      name: "Greeter",
      file: "a/v1/greeter.proto",
      methods: [{ name: "SayHello", grpcType: "unary", objectives: undefined }],
      histogram: { buckets: [0.1, 1] },
      metricPrefix: "",
    };
    expect(dashboardJson(service)).toBe(dashboardJson({ ...service, methods: [...service.methods] }));
    const other = JSON.parse(dashboardJson({ ...service, typeName: "b.v1.Greeter" })) as DashboardJson;
    expect(other.uid).not.toBe((JSON.parse(dashboardJson(service)) as DashboardJson).uid);
    expect(other.uid).toMatch(/^grpc-greeter-/);
  });
});

describe("the dashboards against the Grafana Foundation SDK's types", () => {
  // The JSON as a literal of the SDK's types, so that the compiler checks every key and value:
  // the SDK's string enums are their values in JSON, its methods absent.
  const prelude = `import type { Dashboard, FieldConfigSource, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dataquery } from "@grafana/grafana-foundation-sdk/prometheus";
import type { Options as StatOptions } from "@grafana/grafana-foundation-sdk/stat";
import type { FieldConfig as TimeseriesFieldConfig, Options as TimeseriesOptions } from "@grafana/grafana-foundation-sdk/timeseries";
type Json<T> = 0 extends 1 & T ? T
  : T extends string ? \`\${T}\`
  : T extends number ? number
  : T extends boolean ? boolean
  : T extends readonly (infer U)[] ? Json<U>[]
  : T extends object ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Json<T[K]> }
  : T;
type Common = Omit<Json<Panel>, "type" | "targets" | "options" | "fieldConfig">;
type Targets = { targets: Json<Dataquery>[] };
type TimeseriesPanel = Common & Targets & {
  type: "timeseries";
  options: Json<TimeseriesOptions>;
  fieldConfig: Json<FieldConfigSource> & { defaults: { custom: Json<TimeseriesFieldConfig> } };
};
type StatPanel = Common & Targets & { type: "stat"; options: Json<StatOptions>; fieldConfig: Json<FieldConfigSource> };
type Checked = Omit<Json<Dashboard>, "panels"> & { panels: (TimeseriesPanel | StatPanel | Json<RowPanel>)[] };
`;
  const project = new Project({
    compilerOptions: {
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
    },
  });

  it("type-check, every key and value, as the SDK's Dashboard, panels and Prometheus queries", () => {
    const files = [...golden.values()].map(({ text }, i) =>
      project.createSourceFile(
        `${repo}/test/dashboard-check-${i}.ts`,
        `${prelude}export const d: Checked = ${text};\n`,
        { overwrite: true },
      ),
    );
    // A misspelled key fails: the check is not vacuous.
    const wrong = project.createSourceFile(
      `${repo}/test/dashboard-check-wrong.ts`,
      `${prelude}export const d: Checked = ${golden.get("nopackage_Bare.dashboard.json")!.text.replace('"legendFormat"', '"legend"').replace('"showLegend": true', '"showLegend": "yes"')};\n`,
      { overwrite: true },
    );
    const diagnostics = (f: typeof wrong) =>
      f.getPreEmitDiagnostics().map((d) => ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " "));
    expect(files.map((f, i) => [[...golden.keys()][i], diagnostics(f)])).toEqual(
      [...golden.keys()].map((name) => [name, []]),
    );
    const errors = diagnostics(wrong);
    expect(
      errors.some((e) => e.includes(`'"legend"' does not exist`)),
      errors.join("\n"),
    ).toBe(true);
    expect(
      errors.some((e) => e.includes("Type 'string' is not assignable to type 'boolean'")),
      errors.join("\n"),
    ).toBe(true);
  }, 60_000);
});

describe.skipIf(prometheusMissing)("every query of the dashboards, in a real Prometheus", () => {
  let prom: Prometheus;
  beforeAll(async () => {
    prom = await startPrometheus([]);
  });
  afterAll(() => prom?.stop());

  const exprs = [...new Set([...golden.values()].flatMap(({ json }) => targets(json).map((t) => t.target.expr)))];

  it.each([
    ["no extra matcher", allTargets],
    [
      "a job and an extra matcher",
      { ...allTargets, job: "(api|web)", matcher: 'cluster="eu1",zone!~"b.*"', rateInterval: "1m" },
    ],
  ])("parses and evaluates, with %s", async (_, values) => {
    const refused: string[] = [];
    for (const expr of exprs) {
      await prom.query(substitute(expr, values)).catch((err: Error) => refused.push(`${expr}: ${err.message}`));
    }
    expect(refused).toEqual([]);
    expect(exprs.length).toBeGreaterThan(40);
  });

  it("answers each variable's label_values query as Grafana asks it: /api/v1/label/LABEL/values?match[]=SELECTOR", async () => {
    for (const { json } of golden.values()) {
      for (const v of json.templating.list.filter((x) => x.type === "query")) {
        const { selector, label } = labelValuesQuery(v.query!);
        const res = await fetch(
          `${prom.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(substitute(selector, allTargets))}`,
        );
        expect(((await res.json()) as { status: string }).status, v.query).toBe("success");
      }
    }
  });
});
