import type { Call } from "./calls.js";
import type { ShopServiceClient } from "./gen/shop/v1/shop.js";

/** drive makes every call of the plan once, as fast as it can, at most `concurrency` at a time. */
export async function drive(client: ShopServiceClient, calls: readonly Call[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < calls.length) await calls[next++]!(client);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Load is a steady load running: how many calls it has started, and a way to stop it. */
export interface Load {
  /** made is how many calls the load has started so far. */
  made(): number;
  /** stop starts no more calls and resolves once those in flight have ended (each has a deadline). */
  stop(): Promise<void>;
}

/** LoadOptions shape a steady load. */
export interface LoadOptions {
  /** perSecond is how many calls to start each second; default 40. */
  readonly perSecond?: number;
  /** maxInFlight caps the calls running at once; a slower server then sees fewer calls, not a pile-up. Default 16. */
  readonly maxInFlight?: number;
}

/** tickMs is how often the load tops up the calls due; short enough that calls spread over each second. */
const tickMs = 25;

/**
 * startLoad makes the plan's calls at a steady rate, in order, starting over
 * at the end, until stopped: an open-loop load, paced by the clock rather
 * than by the calls' answers, so rates hold steady for a scraper to see.
 */
export function startLoad(client: ShopServiceClient, calls: readonly Call[], options: LoadOptions = {}): Load {
  const { perSecond = 40, maxInFlight = 16 } = options;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let made = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond) - skipped;
    while (made < due && inFlight.size < maxInFlight) {
      const p = calls[made % calls.length]!(client).then(() => {
        inFlight.delete(p);
      });
      inFlight.add(p);
      made++;
    }
    // Calls that could not start (too many in flight) are dropped, not saved up for a burst.
    skipped += Math.max(0, due - made);
  }, tickMs);
  return {
    made: () => made,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
