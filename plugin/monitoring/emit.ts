import type { DescFile } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import type { Options } from "../options.js";
import { dashboardJson } from "./dashboard.js";
import { monitoredService } from "./model.js";
import { ruleFileYaml } from "./rules.js";

/**
 * emitMonitoring writes, beside a proto file's TypeScript, each of its
 * services' dashboard (`<name>_<Service>.dashboard.json`) and rule file
 * (`<name>_<Service>.rules.yml`), as the options ask.
 */
export function emitMonitoring(schema: Schema<Options>, file: DescFile): void {
  const { monitoring } = schema.options;
  if (!monitoring.dashboards && !monitoring.rules) return;
  for (const service of file.services) {
    const model = monitoredService(service, monitoring);
    if (monitoring.dashboards)
      schema.generateFile(`${file.name}_${service.name}.dashboard.json`).print(dashboardJson(model));
    if (monitoring.rules) schema.generateFile(`${file.name}_${service.name}.rules.yml`).print(ruleFileYaml(model));
  }
}
