import { reportFault } from "./fault.js";

const hrtime = process.hrtime;

/**
 * clock is a monotonic time in milliseconds (process.hrtime() as a number),
 * or NaN where the clock fails (reported once); a NaN duration is not observed.
 * Only differences between two readings mean anything.
 *
 * Of Node's monotonic clocks, process.hrtime() is the cheapest to read: on
 * Node 20, side by side on this project's 2-core benchmark machine, it took
 * ~55 ns a read, process.hrtime.bigint() ~60 ns with the conversion back to a
 * number, and performance.now() ~72 ns. A histogram reads the clock twice a
 * call, which is most of its cost. It is looked up once: finding it on the
 * global process object at every read costs another ~20 ns.
 */
export function clock(): number {
  try {
    const t = hrtime();
    return t[0] * 1e3 + t[1] / 1e6;
  } catch (err) {
    reportFault(err);
    return Number.NaN;
  }
}
