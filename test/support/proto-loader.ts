import { join } from "node:path";
import { type Client, loadPackageDefinition, type ServiceDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { repo } from "./plugin.js";

/**
 * The conformance service of testdata/proto/test.proto as proto-loader
 * loads it at run time: no generated code. `defaults` so that absent fields
 * read as the zeros ts-proto's messages have, for the same test service.
 */
export const testServiceDefinition = loadSync(join(repo, "testdata", "proto", "test.proto"), { defaults: true });

/** TestServiceCtor is proto-loader's client constructor of the conformance service. */
export type TestServiceCtor = (new (
  address: string,
  credentials: import("@grpc/grpc-js").ChannelCredentials,
  options?: object,
) => Client) & { readonly service: ServiceDefinition };

const testproto = (loadPackageDefinition(testServiceDefinition) as { mwitkow: { testproto: Record<string, unknown> } })
  .mwitkow.testproto;

/** TestService is the client constructor loadPackageDefinition makes; its `service` is the ServiceDefinition. */
export const TestService = testproto.TestService as TestServiceCtor;
