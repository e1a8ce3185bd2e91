import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * gc forces a full garbage collection. vitest runs each test file in a
 * process (or worker) it starts itself, with the config's execArgv, and the
 * config (shared by every test) does not pass --expose-gc. V8 takes flags at
 * run time too: once --expose-gc is set, every context created afterwards has
 * a `gc` global, and a fresh vm context made here hands us its function. It
 * collects the whole isolate, not just that context, so it is the same as
 * `node --expose-gc`'s `gc()` (a full, major collection).
 */
setFlagsFromString("--expose-gc");
export const gc = runInNewContext("gc") as () => void;

/** turn waits for the event loop to go round once: pending callbacks, ticks and microtasks run. */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * heapFloor returns the least used-heap size of a few samples, each taken
 * after the event loop went round (so that what the last calls scheduled has
 * run, and WeakRefs read in earlier jobs may be cleared) and after full
 * collections. GC noise only ever adds to a sample (garbage not yet freed,
 * a survivor not yet promoted): the minimum is the closest to what is live.
 */
export async function heapFloor(samples = 5): Promise<number> {
  let floor = Number.POSITIVE_INFINITY;
  for (let i = 0; i < samples; i++) {
    await turn();
    await turn();
    gc();
    await turn();
    gc();
    floor = Math.min(floor, getHeapStatistics().used_heap_size);
  }
  return floor;
}

/** collected runs full collections, letting the loop turn between them, so WeakRefs to garbage are cleared. */
export async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await turn();
    gc();
  }
}

/** Listening is the part of an EventEmitter the listener counts read. */
export interface Listening {
  eventNames(): (string | symbol)[];
  listenerCount(event: string | symbol): number;
}

/** listeners returns an emitter's listener count per event, as a stable, comparable string. */
export function listeners(e: Listening): string {
  return e
    .eventNames()
    .map((n) => `${String(n)}=${e.listenerCount(n)}`)
    .sort()
    .join(" ");
}

/** listenerTotal returns how many listeners an emitter has in all. */
export function listenerTotal(e: Listening): number {
  return e.eventNames().reduce((sum, n) => sum + e.listenerCount(n), 0);
}

/**
 * WeakSample keeps weak references to a fixed number of objects: the last
 * `size` offered. It holds no object alive and, preallocated, does not grow
 * while the heap is measured.
 */
export class WeakSample {
  private readonly refs: (WeakRef<object> | undefined)[];
  private n = 0;

  constructor(readonly size: number) {
    this.refs = new Array(size).fill(undefined);
  }

  offer(o: object): void {
    this.refs[this.n++ % this.size] = new WeakRef(o);
  }

  /** offered counts every object offered. */
  get offered(): number {
    return this.n;
  }

  /** alive returns how many of the sampled objects are still reachable. */
  alive(): number {
    return this.refs.filter((r) => r?.deref() !== undefined).length;
  }

  /** sampled returns how many objects the sample holds references to. */
  sampled(): number {
    return this.refs.filter((r) => r !== undefined).length;
  }
}

/** Tally counts how often each listener signature was seen, per method. */
export class Tally {
  readonly seen = new Map<string, Map<string, number>>();

  add(method: string, signature: string): void {
    let m = this.seen.get(method);
    if (m === undefined) {
      m = new Map();
      this.seen.set(method, m);
    }
    m.set(signature, (m.get(signature) ?? 0) + 1);
  }

  /** plain returns the tally as plain data, for assertions and the log. */
  plain(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.seen].map(([k, v]) => [k, Object.fromEntries(v)]));
  }
}
