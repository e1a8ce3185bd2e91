import { Metadata } from "@grpc/grpc-js";
import type { InventoryUpdate, ShopServiceClient } from "./gen/shop/v1/shop.js";

/** Call makes one RPC and resolves when it has ended, whatever its status. */
type Call = (client: ShopServiceClient) => Promise<void>;

/** options gives every call a deadline, so nothing the demo starts can hang. */
const options = (ms = 2_000) => ({ deadline: Date.now() + ms });

function getProduct(id: string): Call {
  return (client) => new Promise((resolve) => client.getProduct({ id }, new Metadata(), options(), () => resolve()));
}

/** listProducts reads every product; with hangUp it cancels the call on the first one. */
function listProducts(nameContains: string, limit: number, { deadlineMs = 2_000, hangUp = false } = {}): Call {
  return (client) =>
    new Promise((resolve) => {
      const s = client.listProducts({ nameContains, limit }, new Metadata(), options(deadlineMs));
      s.on("data", () => {
        if (hangUp) s.cancel();
      });
      s.on("error", () => {}); // the status below says it all; an unhandled "error" would throw
      s.on("status", () => resolve());
    });
}

function uploadInventory(updates: readonly InventoryUpdate[]): Call {
  return (client) =>
    new Promise((resolve) => {
      const s = client.uploadInventory(new Metadata(), options(), () => resolve());
      for (const u of updates) s.write(u);
      s.end();
    });
}

function priceWatch(ids: readonly string[]): Call {
  return (client) =>
    new Promise((resolve) => {
      const s = client.priceWatch(new Metadata(), options());
      s.on("data", () => {});
      s.on("error", () => {});
      s.on("status", () => resolve());
      for (const productId of ids) s.write({ productId });
      s.end();
    });
}

const sku = (i: number) => `sku-${(i % 6) + 1}`;

/** times makes n things, f(0) to f(n - 1). */
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/**
 * plan is the demo's traffic, 200 calls, the same on every run: mostly
 * successes, and some of every failure the service has.
 */
export function plan(): Call[] {
  const unary = times(100, (i) => {
    if (i % 25 === 3) return getProduct(""); // InvalidArgument
    if (i % 20 === 19) return getProduct(`legacy-${i}`); // Unknown: the handler throws
    if (i % 10 === 7) return getProduct("sku-404"); // NotFound
    return getProduct(sku(i));
  });
  const names = ["", "Moka", "Milk", "o", "kettle"];
  const lists = times(40, (i) => {
    if (i % 8 === 0) return listProducts("", -1); // InvalidArgument
    if (i % 10 === 5) return listProducts("", 0, { deadlineMs: 5 }); // DeadlineExceeded: 6 products take ~12ms
    if (i % 10 === 2) return listProducts("", 0, { hangUp: true }); // Canceled by the client
    return listProducts(names[i % names.length]!, i % 4);
  });
  const uploads = times(30, (i) => {
    if (i % 6 === 0) return uploadInventory([{ productId: "sku-404", delta: 1 }]); // NotFound
    if (i % 7 === 3) return uploadInventory([{ productId: sku(i), delta: -1_000 }]); // FailedPrecondition
    // A delivery of 3 of one product, and sales of it and of the next: stocks stay above zero.
    const [a, b] = [sku(i), sku(i + 1)];
    return uploadInventory([
      { productId: a, delta: 3 },
      { productId: b, delta: -1 },
      { productId: a, delta: -2 },
    ]);
  });
  const watches = times(30, (i) => {
    if (i % 5 === 4) return priceWatch([sku(i), "sku-404", sku(i + 1)]); // NotFound mid-stream
    return priceWatch([sku(i), sku(i + 1), sku(i + 2), sku(i + 3)]);
  });
  return interleave([unary, lists, uploads, watches]);
}

/** interleave merges the lists round-robin, so every method sees traffic throughout the run. */
function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  for (let i = 0; out.length < lists.reduce((n, l) => n + l.length, 0); i++) {
    for (const l of lists) if (i < l.length) out.push(l[i]!);
  }
  return out;
}

/** drive makes every call of the plan, at most `concurrency` at a time. */
export async function drive(client: ShopServiceClient, calls: readonly Call[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < calls.length) await calls[next++]!(client);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
