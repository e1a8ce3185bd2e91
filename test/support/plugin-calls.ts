import { pathToFileURL } from "node:url";
import {
  type ChannelCredentials,
  Client,
  type ClientOptions,
  credentials,
  Metadata,
  type MethodDefinition,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { ClientMetrics, ServerMetrics } from "../../runtime/index.js";
import { key, parseExposition } from "./exposition.js";
import { deadline, startServer } from "./server.js";

type Unary = MethodDefinition<{ s: string }, { s: string }>;
type Ctor = new (a: string, c: ChannelCredentials, o?: Partial<ClientOptions>, m?: ClientMetrics) => Client;

/** Exercised is what one service of unary methods did under its generated wrappers, by ts-proto's key. */
export interface Exercised {
  /** served is what each method answered, called by path: the key its handler echoed, or the status code. */
  readonly served: Record<string, string | number>;
  /** onClient lists the keys that are rpc methods of an InstrumentedXClient. */
  readonly onClient: string[];
  /** serverOk and clientOk are each method's grpc_*_handled_total{grpc_code="OK"}, by key. */
  readonly serverOk: Record<string, number>;
  readonly clientOk: Record<string, number>;
}

/**
 * exercise loads service `name` of a generated file and ts-proto's beside
 * it, serves it with every handler echoing its key through
 * instrumentXServer, calls each method once by path through a plain grpc-js
 * Client (which reaches methods grpc-js leaves off clients) and once through
 * InstrumentedXClient where it has the method, and reads both registries.
 */
export async function exercise(tsProtoFile: string, ourFile: string, name: string): Promise<Exercised> {
  const pb = (await import(pathToFileURL(tsProtoFile).href)) as Record<string, unknown>;
  const ours = (await import(pathToFileURL(ourFile).href)) as Record<string, unknown>;
  const service = pb[`${name}Service`] as ServiceDefinition;
  const instrument = ours[`instrument${name}Server`] as (i: object, m: ServerMetrics) => UntypedServiceImplementation;
  const Instrumented = ours[`Instrumented${name}Client`] as Ctor;
  const keys = Object.keys(service);
  const impl = Object.fromEntries(
    keys.map((k) => [k, (_call: unknown, cb: (e: null, r: { s: string }) => void) => cb(null, { s: k })]),
  );
  const serverRegistry = new Registry();
  const clientRegistry = new Registry();
  const running = await startServer((s) =>
    s.addService(service, instrument(impl, new ServerMetrics({ registry: serverRegistry }))),
  );
  const plain = new Client(running.address, credentials.createInsecure());
  const client = new Instrumented(
    running.address,
    credentials.createInsecure(),
    {},
    new ClientMetrics({ registry: clientRegistry }),
  );
  try {
    const served: Record<string, string | number> = {};
    const onClient: string[] = [];
    for (const k of keys) {
      const def = service[k] as Unary;
      served[k] = await call((cb) =>
        plain.makeUnaryRequest(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          { s: "" },
          new Metadata(),
          { deadline: deadline() },
          cb,
        ),
      );
      // grpc-js gives each rpc method of a client the definition's path.
      const fn = (client as unknown as Record<string, { path?: string; call: (...a: unknown[]) => void }>)[k];
      if (fn?.path !== def.path) continue;
      onClient.push(k);
      await call((cb) => fn.call(client, { s: "" }, new Metadata(), { deadline: deadline() }, cb));
    }
    return {
      served,
      onClient,
      serverOk: await okCounts(serverRegistry, "grpc_server_handled_total", service, keys),
      clientOk: await okCounts(clientRegistry, "grpc_client_handled_total", service, keys),
    };
  } finally {
    plain.close();
    client.close();
    await running.close();
  }
}

function call(start: (cb: (err: ServiceError | null, res?: { s: string }) => void) => void): Promise<string | number> {
  return new Promise((resolve) => start((err, res) => resolve(err ? err.code : (res?.s ?? ""))));
}

async function okCounts(registry: Registry, metric: string, service: ServiceDefinition, keys: string[]) {
  const { series } = parseExposition(await registry.metrics());
  const out: Record<string, number> = {};
  for (const k of keys) {
    const [, grpcService, grpcMethod] = (service[k] as Unary).path.split("/");
    const labels = { grpc_type: "unary", grpc_service: grpcService!, grpc_method: grpcMethod!, grpc_code: "OK" };
    out[k] = series.get(key(metric, labels)) ?? -1;
  }
  return out;
}
