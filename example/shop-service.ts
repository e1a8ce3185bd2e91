import {
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type {
  GetProductRequest,
  InventoryUpdate,
  ListProductsRequest,
  PriceQuote,
  PriceWatchRequest,
  Product,
  ShopServiceServer,
  UploadInventoryResponse,
} from "./gen/shop/v1/shop.js";

/** catalogue is the shop's starting stock; each service gets its own copy. */
export const catalogue: readonly Product[] = [
  { id: "sku-1", name: "Espresso beans 1kg", priceCents: 2450, stock: 40 },
  { id: "sku-2", name: "Moka pot", priceCents: 3200, stock: 12 },
  { id: "sku-3", name: "Burr grinder", priceCents: 8900, stock: 5 },
  { id: "sku-4", name: "Milk jug", priceCents: 1500, stock: 25 },
  { id: "sku-5", name: "Paper filters", priceCents: 450, stock: 200 },
  { id: "sku-6", name: "Gooseneck kettle", priceCents: 5400, stock: 8 },
];

/** listDelayMs is how long ListProducts takes per product, as if it paged through a database. */
export const listDelayMs = 2;

/** statusError makes the error grpc-js turns into a status: its code and details. */
function statusError(code: status, details: string): Error & { code: status; details: string } {
  return Object.assign(new Error(details), { code, details });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * newShopService returns an implementation of shop.v1.ShopService over an
 * in-memory copy of the catalogue, failing as shop.proto documents, plus one
 * deliberate bug: ids starting with "legacy-" make GetProduct throw.
 */
export function newShopService(): ShopServiceServer {
  const products = new Map(catalogue.map((p) => [p.id, { ...p }]));

  return {
    getProduct(call: ServerUnaryCall<GetProductRequest, Product>, callback: sendUnaryData<Product>) {
      const { id } = call.request;
      if (id === "") return callback(statusError(status.INVALID_ARGUMENT, "id is required"));
      // The bug on purpose: a throw, which grpc-js answers with Unknown.
      if (id.startsWith("legacy-")) throw new Error(`legacy catalogue lookup not migrated: ${id}`);
      const p = products.get(id);
      if (p === undefined) return callback(statusError(status.NOT_FOUND, `no product ${id}`));
      callback(null, p);
    },

    async listProducts(call: ServerWritableStream<ListProductsRequest, Product>) {
      const { nameContains, limit } = call.request;
      if (limit < 0) {
        call.emit("error", statusError(status.INVALID_ARGUMENT, "limit must not be negative"));
        return;
      }
      const matching = [...products.values()].filter((p) => p.name.includes(nameContains));
      for (const p of limit === 0 ? matching : matching.slice(0, limit)) {
        await sleep(listDelayMs);
        // A client gone (cancelled, or past its deadline) needs no more products.
        if (call.cancelled) return;
        call.write(p);
      }
      call.end();
    },

    uploadInventory(
      call: ServerReadableStream<InventoryUpdate, UploadInventoryResponse>,
      callback: sendUnaryData<UploadInventoryResponse>,
    ) {
      const updates: InventoryUpdate[] = [];
      call.on("data", (u: InventoryUpdate) => updates.push(u));
      call.on("end", () => {
        // Check everything before changing anything: the upload is all or nothing.
        const next = new Map<string, number>();
        for (const { productId: id, delta } of updates) {
          const p = products.get(id);
          if (p === undefined) return callback(statusError(status.NOT_FOUND, `no product ${id}`));
          const stock = (next.get(id) ?? p.stock) + delta;
          if (stock < 0) return callback(statusError(status.FAILED_PRECONDITION, `stock of ${id} would be ${stock}`));
          next.set(id, stock);
        }
        for (const [id, stock] of next) products.get(id)!.stock = stock;
        callback(null, { updatesApplied: updates.length });
      });
    },

    priceWatch(call: ServerDuplexStream<PriceWatchRequest, PriceQuote>) {
      // After an error the stream is over: later requests get no answer.
      let failed = false;
      call.on("data", ({ productId }: PriceWatchRequest) => {
        if (failed) return;
        const p = products.get(productId);
        if (p === undefined) {
          failed = true;
          call.emit("error", statusError(status.NOT_FOUND, `no product ${productId}`));
          return;
        }
        call.write({ productId, priceCents: p.priceCents });
      });
      call.on("end", () => {
        if (!failed) call.end();
      });
    },
  };
}
