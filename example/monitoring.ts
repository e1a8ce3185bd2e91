import { existsSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** generated are the shop service's dashboard and rule file, which example/buf.gen.yaml has the plugin write. */
export const generated = {
  dashboard: fileURLToPath(new URL("./gen/shop/v1/shop_ShopService.dashboard.json", import.meta.url)),
  rules: fileURLToPath(new URL("./gen/shop/v1/shop_ShopService.rules.yml", import.meta.url)),
};

/**
 * monitoringHelp says where the shop service's generated dashboard and rule
 * file are, relative to the working directory, and how to load them into
 * Grafana and a Prometheus scraping the demo's metrics at metricsHost.
 */
export function monitoringHelp(metricsHost: string, cwd: string = process.cwd()): string[] {
  for (const file of Object.values(generated)) {
    // Only a demo run without `npm run demo`'s generate step, on a tree without example/gen, gets here.
    if (!existsSync(file)) return [`(no ${relative(cwd, file)}: run npx buf generate --template example/buf.gen.yaml)`];
  }
  const path = (file: string) => relative(cwd, file);
  return [
    `grafana: ${path(generated.dashboard)} (Dashboards → New → Import, upload it)`,
    `rules:   ${path(generated.rules)} (Prometheus: rule_files:, scraping ${metricsHost}; docs/demo.md)`,
  ];
}
