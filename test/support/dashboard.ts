/**
 * The generated Grafana dashboards as the tests read them: the JSON of each
 * golden file, its panels and queries, and the queries with the dashboard's
 * variables replaced, as Grafana would send them to Prometheus.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repo } from "./plugin.js";
import { tree } from "./plugin-build.js";

/** DashboardJson is the part of a dashboard's JSON the tests read. */
export interface DashboardJson {
  readonly uid: string;
  readonly title: string;
  readonly templating: { readonly list: readonly VariableJson[] };
  readonly panels: readonly PanelJson[];
  readonly [key: string]: unknown;
}

/** VariableJson is one template variable. */
export interface VariableJson {
  readonly type: string;
  readonly name: string;
  readonly query?: string;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
}

/** PanelJson is one panel or row. */
export interface PanelJson {
  readonly type: string;
  readonly id: number;
  readonly title: string;
  readonly description?: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: readonly TargetJson[];
  readonly panels?: readonly PanelJson[];
  readonly fieldConfig?: { readonly defaults: { readonly unit?: string } };
}

/** TargetJson is one query of a panel. */
export interface TargetJson {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
}

/** goldenDashboards are testdata/gen's dashboards, by path under it. */
export function goldenDashboards(): Map<string, { text: string; json: DashboardJson }> {
  const gen = join(repo, "testdata", "gen");
  const out = new Map<string, { text: string; json: DashboardJson }>();
  for (const name of [...tree(gen).keys()].sort()) {
    if (!name.endsWith(".dashboard.json")) continue;
    const text = readFileSync(join(gen, name), "utf8");
    out.set(name, { text, json: JSON.parse(text) as DashboardJson });
  }
  return out;
}

/** panels lists every panel of a dashboard but the rows, those inside a collapsed row included, in order. */
export function panels(d: DashboardJson): PanelJson[] {
  return d.panels.flatMap((p) => (p.type === "row" ? (p.panels ?? []) : [p]));
}

/** Row is a row's title and the panels under it. */
export interface Row {
  readonly title: string;
  readonly panels: readonly PanelJson[];
}

/** rows groups a dashboard's panels under the row that heads them, as Grafana lays them out. */
export function rows(d: DashboardJson): Row[] {
  const out: { title: string; panels: PanelJson[] }[] = [];
  for (const p of d.panels) {
    if (p.type === "row") out.push({ title: p.title, panels: [...(p.panels ?? [])] });
    else if (out.length === 0) throw new Error(`panel ${p.title} comes before any row`);
    else out.at(-1)!.panels.push(p);
  }
  return out;
}

/** targets lists every query of a dashboard with the panel it belongs to. */
export function targets(d: DashboardJson): { panel: PanelJson; target: TargetJson }[] {
  return panels(d).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
}

/** legendLabels are the labels a legend format names, `{{grpc_method}} {{grpc_code}}` naming both. */
export function legendLabels(legend: string | undefined): string[] {
  return [...(legend ?? "").matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
}

/** Values are what Grafana would put in a dashboard's place: its variables' values and the interval macros. */
export interface Values {
  readonly job: string;
  readonly instance: string;
  readonly matcher: string;
  readonly rateInterval: string;
  readonly interval: string;
}

/** allTargets are the values of "All" jobs and instances, no extra matcher, and 30s intervals. */
export const allTargets: Values = { job: ".*", instance: ".*", matcher: "", rateInterval: "30s", interval: "30s" };

/**
 * substitute replaces the variables of a query as Grafana does before sending
 * it (with "All" chosen, a multi-value variable is its allValue, `.*`);
 * any `$` left is a variable the dashboard does not define, and throws.
 */
export function substitute(expr: string, v: Values): string {
  const byName: Record<string, string> = {
    __rate_interval: v.rateInterval,
    __interval: v.interval,
    job: v.job,
    instance: v.instance,
    matcher: v.matcher,
  };
  const out = expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const value = byName[braced ?? bare ?? ""];
    if (value === undefined) throw new Error(`${expr}: ${whole} is no variable of the dashboard`);
    return value;
  });
  return out;
}

/** labelValuesQuery splits a query variable's `label_values(SELECTOR, LABEL)` into its selector and label. */
export function labelValuesQuery(query: string): { selector: string; label: string } {
  const m = /^label_values\((.*), (\w+)\)$/.exec(query);
  if (m === null) throw new Error(`${query} is not label_values(selector, label)`);
  return { selector: m[1]!, label: m[2]! };
}
