import type { MonitoredService } from "./model.js";

/** ruleFileYaml renders the Prometheus rule file of one service (rules=true). */
export function ruleFileYaml(service: MonitoredService): string {
  return `groups: [] # ${service.typeName}\n`;
}
