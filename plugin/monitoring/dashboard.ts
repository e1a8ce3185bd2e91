import type { MonitoredService } from "./model.js";

/** dashboardJson renders the Grafana dashboard of one service (dashboards=true). */
export function dashboardJson(service: MonitoredService): string {
  return `${JSON.stringify({ title: service.typeName })}\n`;
}
