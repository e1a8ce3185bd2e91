import { credentials, Metadata, Server, ServerCredentials } from "@grpc/grpc-js";
import { ShopServiceClient, ShopServiceService, type ShopServiceServer } from "./gen/shop/v1/shop.js";
const t0 = performance.now();
const log = (s: string) => console.log(`${(performance.now() - t0).toFixed(1)} ${s}`);
const impl: ShopServiceServer = {
  getProduct() {}, listProducts() {}, uploadInventory() {},
  priceWatch(call) {
    for (const ev of ["end", "finish", "prefinish", "close", "cancelled", "error"]) call.on(ev, (...a: unknown[]) => log(`server ${ev} cancelled=${call.cancelled} ${a.map(String).join(" ")}`));
    call.on("data", (r) => { log(`server data ${r.productId}`); call.write({ productId: r.productId, priceCents: 1 }); });
  },
};
const server = new Server();
server.addService(ShopServiceService, impl);
const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
const client = new ShopServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
const s = client.priceWatch(new Metadata(), { deadline: Date.now() + 2000 });
s.on("data", () => { log("client data, cancel"); s.cancel(); });
s.on("error", () => {});
s.on("status", (st) => log(`client status ${st.code}`));
s.write({ productId: "sku-1" });
await new Promise((r) => setTimeout(r, 300));
client.close(); server.forceShutdown();
