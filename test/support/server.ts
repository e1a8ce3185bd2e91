import {
  type ChannelOptions,
  type Client,
  credentials,
  Server,
  ServerCredentials,
  type ServerOptions,
} from "@grpc/grpc-js";
import { InstrumentedServer, type ServerMetrics } from "../../runtime/index.js";

/** Running is a grpc-js server listening on 127.0.0.1 at a port the OS chose. */
export interface Running {
  readonly server: Server;
  readonly address: string;
  close(): Promise<void>;
}

/**
 * startServer starts a grpc-js server, made with options, on 127.0.0.1:0
 * after `setup` added its services; given metrics, an InstrumentedServer
 * counting into them.
 */
export async function startServer(
  setup: (server: Server) => void,
  options?: ServerOptions,
  metrics?: ServerMetrics,
): Promise<Running> {
  const server = metrics === undefined ? new Server(options) : new InstrumentedServer(options, metrics);
  setup(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    server,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

/** ClientCtor is the shape of ts-proto's generated `XClient` constructors. */
export type ClientCtor<C extends Client> = new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
  options?: Partial<ChannelOptions>,
) => C;

/** connect makes an insecure client of address. */
export function connect<C extends Client>(ctor: ClientCtor<C>, address: string): C {
  return new ctor(address, credentials.createInsecure());
}

/** deadline returns a deadline ms from now: every test call has one, so a hang fails fast. */
export function deadline(ms = 5_000): Date {
  return new Date(Date.now() + ms);
}
