/**
 * Third-party dashboards, rule files and SLOs written for go-grpc-prometheus
 * (`../shared/thirdparty`, beside the repository; see its SOURCES.md): every
 * PromQL expression in them over a `grpc_` metric, with Grafana's template
 * variables replaced by values that select the jobs we serve, ready for a
 * real Prometheus. The files are read where they are, never copied into the
 * project; what has to change (a Pyrra SLO's rules) is written to a temp dir.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { service } from "./harness.js";
import { repo } from "./plugin.js";

/** thirdpartyDir is where the shared third-party files are. */
export const thirdpartyDir = join(repo, "..", "shared", "thirdparty");

/** thirdpartyMissing is why the third-party test cannot run here, or undefined when it can. */
export const thirdpartyMissing: string | undefined = existsSync(join(thirdpartyDir, "SOURCES.md"))
  ? undefined
  : `${thirdpartyDir} (the shared third-party dashboards, rules and SLOs) is absent; skipped`;

/**
 * servedJobs are the scrape jobs that serve the scenario's metrics, one copy
 * each: the jobs the files select by name (`job=~".*thanos-query.*"`,
 * `job="gitaly"`, ...), so that every expression runs as written. One
 * that selects no job sums the copies, on every Prometheus alike.
 */
export const servedJobs = [
  "argocd-server",
  "etcd",
  "gitaly",
  "thanos-query",
  "thanos-receive",
  "thanos-rule",
  "thanos-store",
] as const;

/**
 * ownServices maps the gRPC services and methods that expressions select by
 * name (etcd's, Parca's, Thanos') to the scenario's service and one of its
 * methods: etcd's Watch and Lease are bidi streams (PingStream), Thanos'
 * Store/Series a server stream (PingList); Parca's QueryRange is unary, but
 * no unary call of the scenario fails with a code Pyrra's SLO counts as an
 * error, so it is mapped to PingStream, which does (Aborted): a burn rate
 * above 0.
 */
export const ownServices = {
  services: {
    "etcdserverpb.Watch": service,
    "etcdserverpb.Lease": service,
    "parca.query.v1alpha1.QueryService": service,
    "thanos.Store": service,
  } as Record<string, string>,
  methods: { QueryRange: "PingStream", Series: "PingList" } as Record<string, string>,
  /** dropped are matchers on labels a Kubernetes scrape adds and ours has not. */
  dropped: ['namespace="monitoring"'],
};

/** Kind is where an expression comes from. */
export type Kind = "panel" | "alert" | "record" | "slo";

/** Form is one query run for an expression: as written, or another view of it. */
export interface Form {
  /** name: "as written"; "value" (an alert without its thresholds); "recorded" (the series a rule records). */
  readonly name: "as written" | "value" | "recorded";
  readonly query: string;
  /**
   * compare says how its results on two Prometheus are compared: "exact";
   * "durations" for an expression over histogram buckets (call durations,
   * which differ from run to run): the same label sets, values both NaN or
   * both not; "runs" for an alert over durations as written: whether it
   * fires depends on how long calls took, so it is only run.
   */
  readonly compare: Compare;
}

/** Compare is how a form's results are compared; see Form. */
export type Compare = "exact" | "durations" | "runs";

/** Expression is one PromQL expression of a third-party file, ready to run. */
export interface Expression {
  readonly file: string;
  readonly kind: Kind;
  /** what names it in its file: panel title, alert or record name, SLO rule. */
  readonly what: string;
  /** original is the expression as the file has it. */
  readonly original: string;
  readonly forms: readonly Form[];
}

/** Skipped is an expression over a grpc_ metric that cannot run, and why. */
export interface Skipped {
  readonly file: string;
  readonly what: string;
  readonly original: string;
  readonly why: string;
}

/** Extracted is what one file gives. */
export interface Extracted {
  readonly file: string;
  readonly expressions: Expression[];
  readonly skipped: Skipped[];
  /** ruleFiles are rule files Prometheus must load for the recorded forms (absolute paths). */
  readonly ruleFiles: string[];
  /** ruleTexts are rule files to write to a temp dir and load, by name. */
  readonly ruleTexts: Record<string, string>;
}

const grpcMetricRE = /\bgrpc_(?:server|client)_[a-zA-Z0-9_]*/;
const timingRE = /\bgrpc_(?:server|client)_[a-z_]*_seconds_(?:bucket|sum)\b/;

/** usesGrpc says whether an expression reads a go-grpc-prometheus metric (or a series recorded from one). */
export function usesGrpc(expr: string): boolean {
  return grpcMetricRE.test(expr);
}

/** thirdpartyFiles lists the files of the shared directory, SOURCES.md aside. */
export function thirdpartyFiles(): string[] {
  return readdirSync(thirdpartyDir)
    .filter((f) => f !== "SOURCES.md")
    .sort();
}

/** mapOwnServices replaces a third party's own service and method names by the scenario's (see ownServices). */
export function mapOwnServices(expr: string): string {
  let out = expr
    .replace(/grpc_service="([^"]*)"/g, (_, s: string) => `grpc_service="${ownServices.services[s] ?? s}"`)
    .replace(/grpc_method="([^"]*)"/g, (_, s: string) => `grpc_method="${ownServices.methods[s] ?? s}"`);
  for (const d of ownServices.dropped) out = out.split(`,${d}`).join("").split(`${d},`).join("").split(d).join("");
  return out;
}

/**
 * valueForm strips an alert's thresholds (`> 5`, `> 0.01`), so that what it
 * compares is compared too, not only whether it fires: `A > 5 and B > 0`
 * becomes `A and B`. Undefined when there is nothing to strip.
 */
export function valueForm(expr: string): string | undefined {
  const out = expr.replace(/\s*(?:>=|<=|==|!=|>|<)\s*(?:bool\s+)?-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w."])/g, "");
  return out === expr ? undefined : out;
}

function expression(
  file: string,
  kind: Kind,
  what: string,
  original: string,
  query: string,
  extra: Omit<Form, "compare">[] = [],
): Expression {
  const timing = timingRE.test(query);
  const compare: Compare = timing ? "durations" : "exact";
  const forms: Form[] = [{ name: "as written", query, compare: timing && kind === "alert" ? "runs" : compare }];
  if (kind === "alert") {
    const v = valueForm(query);
    if (v !== undefined) forms.push({ name: "value", query: v, compare });
  }
  forms.push(...extra.map((f) => ({ ...f, compare })));
  return { file, kind, what, original, forms };
}

// ---- Grafana dashboards

/**
 * builtins are Grafana's own variables, as a dashboard over a 1 s scrape
 * would resolve them: rate windows of a minute.
 */
const builtins: Record<string, string> = { __rate_interval: "1m", __interval: "1m", __range: "1h" };

interface TemplateVar {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { query?: string };
  readonly current?: { value?: string | string[] };
  readonly includeAll?: boolean;
  readonly multi?: boolean;
}

/**
 * labelValues resolves a `label_values(metric{job=~"R"}, job)` variable
 * query as Grafana would over our scrape: the served jobs its matchers
 * select. The metric is not looked at: `up` exists for every served job,
 * and etcd's `$cluster` reads etcd's own etcd_server_has_leader, which only
 * etcd serves (an etcd job would have it); it is the job that the query selects.
 */
function labelValues(query: string): string[] | undefined {
  const m = /^label_values\(\s*[a-zA-Z_:][\w:]*\s*\{(.*)\}\s*,\s*job\s*\)$/.exec(query.trim());
  if (!m) return undefined;
  let jobs: string[] = [...servedJobs];
  for (const [, op, value] of m[1]!.matchAll(/job\s*(=~|!~|=|!=)\s*"([^"]*)"/g)) {
    const re = new RegExp(`^(?:${value})$`);
    jobs = jobs.filter((j) =>
      op === "=" ? j === value : op === "!=" ? j !== value : op === "=~" ? re.test(j) : !re.test(j),
    );
  }
  return jobs;
}

/**
 * dashboardVariables gives each template variable of a dashboard the value
 * that selects everything it offers: a textbox its current text (mjpitz's
 * `$selector`: empty, no extra matchers), an interval its current value
 * (Thanos' `$interval`: 5m), a query variable all the values its query
 * gives over our scrape, as Grafana's "All" does (`$job`: every served job
 * the query selects, as a regex alternation; etcd's single-valued
 * `$cluster`: the one job it selects). Undefined values cannot be resolved.
 */
export function dashboardVariables(vars: readonly TemplateVar[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...builtins };
  for (const v of vars) {
    const current = Array.isArray(v.current?.value) ? v.current?.value[0] : v.current?.value;
    switch (v.type) {
      case "datasource":
        break;
      case "textbox":
      case "constant":
      case "custom":
      case "interval":
        out[v.name] = current ?? "";
        break;
      case "query": {
        const q = typeof v.query === "string" ? v.query : (v.query?.query ?? "");
        const values = labelValues(q);
        if (values === undefined || values.length === 0) out[v.name] = undefined;
        else if (v.includeAll || v.multi) out[v.name] = values.length === 1 ? values[0] : `(${values.join("|")})`;
        else out[v.name] = values[0];
        break;
      }
      default:
        out[v.name] = undefined;
    }
  }
  return out;
}

/** substitute replaces `$var`, `${var}`, `${var:format}` and `[[var]]`; it names the variables it cannot. */
export function substitute(
  expr: string,
  vars: Record<string, string | undefined>,
): { query: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const query = expr.replace(
    /\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g,
    (m, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      const value = vars[name];
      if (value === undefined) {
        unresolved.push(name);
        return m;
      }
      return value;
    },
  );
  return { query, unresolved };
}

interface Panel {
  readonly title?: string;
  readonly targets?: readonly { expr?: string; refId?: string }[];
  readonly panels?: readonly Panel[];
  readonly rows?: readonly Panel[];
}

function panelTargets(p: Panel, out: { title: string; expr: string }[]): void {
  for (const t of p.targets ?? []) if (typeof t.expr === "string") out.push({ title: p.title ?? "", expr: t.expr });
  for (const q of p.panels ?? []) panelTargets(q, out);
  for (const r of p.rows ?? []) panelTargets(r, out);
}

/** fromDashboard extracts a Grafana dashboard's gRPC panel targets (rows and nested panels too). */
export function fromDashboard(file: string, json: string): Extracted {
  const d = JSON.parse(json) as Panel & { templating?: { list?: TemplateVar[] } };
  const vars = dashboardVariables(d.templating?.list ?? []);
  const targets: { title: string; expr: string }[] = [];
  panelTargets(d, targets);
  const expressions: Expression[] = [];
  const skipped: Skipped[] = [];
  const seen = new Map<string, number>();
  for (const t of targets) {
    if (!usesGrpc(t.expr)) continue;
    const n = (seen.get(t.title) ?? 0) + 1;
    seen.set(t.title, n);
    const what = `panel "${t.title}" #${n}`;
    const { query, unresolved } = substitute(t.expr, vars);
    if (unresolved.length > 0) {
      skipped.push({ file, what, original: t.expr, why: `unresolved variables: ${unresolved.join(", ")}` });
      continue;
    }
    expressions.push(expression(file, "panel", what, t.expr, mapOwnServices(query)));
  }
  return { file, expressions, skipped, ruleFiles: [], ruleTexts: {} };
}

// ---- Prometheus rule files

interface RuleFile {
  readonly groups?: readonly { name: string; rules?: readonly { alert?: string; record?: string; expr?: string }[] }[];
}

/**
 * fromRules extracts a rule file's gRPC alerts and recording rules. A file
 * with gRPC recording rules is loaded into Prometheus as it is, so that its
 * recorded series are compared too (and rules that read them work).
 */
export function fromRules(file: string, path: string, text: string): Extracted {
  const doc = parseYaml(text) as RuleFile;
  const expressions: Expression[] = [];
  const skipped: Skipped[] = [];
  let records = false;
  for (const g of doc.groups ?? []) {
    for (const r of g.rules ?? []) {
      const expr = String(r.expr ?? "");
      if (!usesGrpc(expr)) continue;
      const what = r.alert !== undefined ? `alert ${r.alert}` : `record ${r.record}`;
      const { query, unresolved } = substitute(expr, builtins);
      if (unresolved.length > 0) {
        skipped.push({ file, what, original: expr, why: `unresolved variables: ${unresolved.join(", ")}` });
        continue;
      }
      if (r.record !== undefined) {
        records = true;
        expressions.push(
          expression(file, "record", what, expr, mapOwnServices(query), [{ name: "recorded", query: r.record }]),
        );
      } else {
        expressions.push(expression(file, "alert", what, expr, mapOwnServices(query)));
      }
    }
  }
  return { file, expressions, skipped, ruleFiles: records ? [path] : [], ruleTexts: {} };
}

// ---- Pyrra SLOs

interface Slo {
  readonly metadata: { name: string };
  readonly spec: { window: string; indicator: { ratio?: { errors: { metric: string }; total: { metric: string } } } };
}

function withRange(selector: string, range: string): string {
  return `${selector}[${range}]`;
}

/** equalMatchers are a selector's `label="value"` matchers, which Pyrra puts on the series it records. */
function equalMatchers(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, k, v] of selector.matchAll(/(\w+)="([^"]*)"/g)) out[k!] = v!;
  return out;
}

/**
 * fromPyrra turns a Pyrra ratio SLO into what Pyrra would have Prometheus
 * run, kept simple: the burn-rate recording rules for two of its windows,
 * 5m and 1h (`sum(rate(errors[W])) / sum(rate(total[W]))`, recorded as
 * `grpc_server_handled:burnrateW` with the SLO's name and the total
 * selector's equality matchers as labels, as Pyrra's generator test
 * "grpc-errors" expects), and the request count by code over the SLO window
 * that its error budget is computed from (`sum by (grpc_code)
 * (increase(total[window]))`). The SLO's selectors name its own service,
 * method and namespace, mapped by ownServices.
 */
export function fromPyrra(file: string, text: string): Extracted {
  const slo = parseYaml(text) as Slo;
  const ratio = slo.spec.indicator.ratio;
  if (ratio === undefined) throw new Error(`${file}: not a ratio SLO`);
  const errors = mapOwnServices(ratio.errors.metric);
  const total = mapOwnServices(ratio.total.metric);
  const labels = { ...equalMatchers(total), slo: slo.metadata.name };
  delete (labels as Record<string, string>).grpc_code;
  const expressions: Expression[] = [];
  const rules: { record: string; expr: string; labels: Record<string, string> }[] = [];
  for (const w of ["5m", "1h"]) {
    const expr = `sum(rate(${withRange(errors, w)})) / sum(rate(${withRange(total, w)}))`;
    const record = `grpc_server_handled:burnrate${w}`;
    rules.push({ record, expr, labels });
    const original = `sum(rate(${ratio.errors.metric}[${w}])) / sum(rate(${ratio.total.metric}[${w}]))`;
    expressions.push(
      expression(file, "slo", `burn rate ${w}`, original, expr, [
        { name: "recorded", query: `${record}{slo="${slo.metadata.name}"}` },
      ]),
    );
  }
  expressions.push(
    expression(
      file,
      "slo",
      `requests by code over ${slo.spec.window}`,
      `sum by (grpc_code) (increase(${ratio.total.metric}[${slo.spec.window}]))`,
      `sum by (grpc_code) (increase(${withRange(total, slo.spec.window)}))`,
    ),
  );
  const ruleText = stringifyYaml({ groups: [{ name: `pyrra-${slo.metadata.name}`, rules }] });
  return {
    file,
    expressions,
    skipped: [],
    ruleFiles: [],
    ruleTexts: { [`${slo.metadata.name}.rules.yaml`]: ruleText },
  };
}

/** extractAll reads every third-party file and extracts its expressions, by its kind. */
export function extractAll(): Extracted[] {
  return thirdpartyFiles().map((file) => {
    const path = join(thirdpartyDir, file);
    const text = readFileSync(path, "utf8");
    if (file.endsWith(".json")) return fromDashboard(file, text);
    if (/kind:\s*ServiceLevelObjective/.test(text)) return fromPyrra(file, text);
    return fromRules(file, path, text);
  });
}
