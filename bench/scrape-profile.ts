// Where a scrape's time goes, per method, at 100 and at 5,000 methods (ours):
//   tsx bench/scrape-profile.ts [ours|plain]
// Self time by function from the V8 CPU profiler, in µs per method, and the
// time spent in GC (from `gc` performance entries). Try it again under
// `node --max-semi-space-size=64 --import tsx` to see the GC part shrink.

import { Session } from "node:inspector/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { oursRegistry, plainRegistry, scrapeTable } from "./scrape.js";

const which = process.argv[2] === "plain" ? "plain" : "ours";
let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
observer.observe({ entryTypes: ["gc"] });

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 200 });

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
for (const n of [100, 5_000]) {
  const registry = which === "ours" ? oursRegistry(scrapeTable(n)) : plainRegistry(scrapeTable(n));
  for (let i = 0; i < 3; i++) await registry.metrics();
  const reps = Math.max(3, Math.round(100_000 / n));
  await tick();
  gcMs = 0;
  await session.post("Profiler.start");
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await registry.metrics();
  const ms = performance.now() - t0;
  const { profile } = await session.post("Profiler.stop");
  await tick();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  profile.samples!.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas![i] ?? 0));
  });
  const perMethod = (us: number) => Number((us / reps / n).toFixed(2));
  console.log(
    `${which}, ${n} methods: ${perMethod(ms * 1000)} µs/method per scrape, of which GC ${perMethod(gcMs * 1000)} (gc entries)`,
  );
  console.table(
    [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([fn, us]) => ({ function: fn, "µs/method": perMethod(us) })),
  );
}
observer.disconnect();
session.disconnect();
