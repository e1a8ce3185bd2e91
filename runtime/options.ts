/**
 * checkKeys rejects option keys a JavaScript caller may have misspelled, so
 * that `{ histogram: true }` fails at construction instead of doing nothing.
 */
export function checkKeys(options: object, known: readonly string[], owner: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new RangeError(`${owner}: unknown option "${key}"; the options are ${known.join(", ")}`);
    }
  }
}
