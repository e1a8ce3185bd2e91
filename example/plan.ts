import { type Call, getProduct, listProducts, priceWatch, uploadInventory } from "./calls.js";

const sku = (i: number) => `sku-${(i % 6) + 1}`;

/** times makes n things, f(0) to f(n - 1). */
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/**
 * plan is the demo's traffic, 200 calls, the same on every run: every method,
 * mostly successes, and some of every failure the service has, cancellations
 * and deadlines included. The live load repeats it for as long as it runs, so
 * no call may leave the shop in a state a later call trips on.
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
    // Sales of two products, then the deliveries that replace them: each
    // upload nets to zero per product, so stocks stay where they began
    // whichever uploads fail and in whatever order they land. Uploads that
    // each moved a unit from b to a balanced only over whole cycles of six,
    // which the failures above break (i % 6 === 0 is always the one refilling
    // sku-1): sku-1 lost 4 a plan, ran dry after 10, then sku-6, sku-5, ...,
    // until every upload failed with FailedPrecondition.
    const [a, b] = [sku(i), sku(i + 1)];
    return uploadInventory([
      { productId: a, delta: -2 },
      { productId: b, delta: -1 },
      { productId: a, delta: 2 },
      { productId: b, delta: 1 },
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
