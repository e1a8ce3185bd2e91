/**
 * table lays out rows in columns two spaces apart, the columns marked in
 * `right` right-aligned (the numbers), the others left-aligned.
 */
export function table(rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  const widths = right.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

/** ms renders a duration in seconds as milliseconds, or "-" when there is none (NaN: nothing observed). */
export function ms(seconds: number): string {
  if (Number.isNaN(seconds)) return "-";
  const m = seconds * 1000;
  return `${m < 10 ? m.toFixed(2) : m < 100 ? m.toFixed(1) : m.toFixed(0)}ms`;
}
