import type { Figure } from "./figures.js";

/** format prints a number with three significant digits, or as an integer when large. */
function format(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  return Number(n.toPrecision(3)).toString();
}

/** table renders figures as one aligned text table: measure, contender, median [min–max] unit, ratio, target. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.measure,
    f.contender,
    `${format(f.median)} [${format(f.min)}–${format(f.max)}] ${f.unit}`,
    f.ratio === undefined ? "" : `${format(f.ratio)}× ${f.reference}`,
    f.target ? `${f.target.met ? "met" : "MISSED"}: ${f.target.text}` : "",
  ]);
  const head = ["measure", "contender", "median [min–max]", "ratio", "target"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
