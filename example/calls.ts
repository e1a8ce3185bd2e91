import { Metadata } from "@grpc/grpc-js";
import type { InventoryUpdate, ShopServiceClient } from "./gen/shop/v1/shop.js";

/** Call makes one RPC and resolves when it has ended, whatever its status; it never rejects. */
export type Call = (client: ShopServiceClient) => Promise<void>;

/** options gives every call a deadline, so nothing the demo starts can hang. */
const options = (ms = 2_000) => ({ deadline: Date.now() + ms });

/** getProduct is a GetProduct call for one id. */
export function getProduct(id: string): Call {
  return (client) => new Promise((resolve) => client.getProduct({ id }, new Metadata(), options(), () => resolve()));
}

/** listProducts is a ListProducts call reading every product; with hangUp it cancels the call on the first one. */
export function listProducts(nameContains: string, limit: number, { deadlineMs = 2_000, hangUp = false } = {}): Call {
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

/** uploadInventory is an UploadInventory call sending the updates, then closing its side. */
export function uploadInventory(updates: readonly InventoryUpdate[]): Call {
  return (client) =>
    new Promise((resolve) => {
      const s = client.uploadInventory(new Metadata(), options(), () => resolve());
      for (const u of updates) s.write(u);
      s.end();
    });
}

/** priceWatch is a PriceWatch call asking for each product's price, then closing its side. */
export function priceWatch(ids: readonly string[]): Call {
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
