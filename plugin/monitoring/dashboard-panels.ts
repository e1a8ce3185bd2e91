import {
  BigValueColorMode,
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { variables } from "./dashboard-queries.js";
import type { PanelSpec, TargetSpec } from "./dashboard-rows.js";

/** datasource is the reference every panel and query uses: the dashboard's datasource variable. */
export const datasource = { type: "prometheus", uid: `\${${variables.datasource}}` };

/** panelBuilder makes the Grafana panel of a spec, with the given id. */
export function panelBuilder(spec: PanelSpec, id: number): StatPanelBuilder | TimeseriesPanelBuilder {
  return spec.kind === "stat" ? statPanel(spec, id) : timeseriesPanel(spec, id);
}

function statPanel(spec: PanelSpec, id: number): StatPanelBuilder {
  const panel = new StatPanelBuilder()
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .span(spec.width)
    .height(spec.height)
    // The value as of now, the graph behind it the panel's time range; no colour a threshold would have to justify.
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.None);
  for (const [i, t] of spec.targets.entries()) panel.withTarget(target(t, i));
  return panel;
}

function timeseriesPanel(spec: PanelSpec, id: number): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .min(0)
    .span(spec.width)
    .height(spec.height)
    .fillOpacity(10)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  for (const [i, t] of spec.targets.entries()) panel.withTarget(target(t, i));
  return panel;
}

/** target is one PromQL query of a panel, refId A, B, C in the order given. */
function target(t: TargetSpec, i: number): DataqueryBuilder {
  const q = new DataqueryBuilder()
    .datasource(datasource)
    .refId(String.fromCharCode(65 + i))
    .expr(t.expr)
    .range();
  return t.legend === "" ? q : q.legendFormat(t.legend);
}
