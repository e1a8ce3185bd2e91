import { clone, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import { optionsLine, requestFor } from "./support/plugin.js";
import { runInProcess } from "./support/plugin-run.js";

// One buf build; each case runs the plugin on it with its own parameter, as
// the bin does (stdin, stdout, stderr, exit code), in this process.
const request = requestFor({
  "p.proto":
    'syntax = "proto3"; package p; message M {} service S { rpc A(M) returns (M); rpc W(M) returns (stream M); }',
});

async function run(parameter: string): Promise<{ code: number | null; stderr: string; files: number }> {
  const r = clone(CodeGeneratorRequestSchema, request);
  r.parameter = parameter;
  const { code, stdout, stderr } = await runInProcess(toBinary(CodeGeneratorRequestSchema, r));
  return { code, stderr, files: stdout.length };
}

const base = "target=ts,rules=true,histogram=true";
const bounds = "0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10";
const codes =
  "OK, Canceled, Unknown, InvalidArgument, DeadlineExceeded, NotFound, AlreadyExists, PermissionDenied, " +
  "ResourceExhausted, FailedPrecondition, Aborted, OutOfRange, Unimplemented, Internal, Unavailable, DataLoss, Unauthenticated";

describe("a monitoring option that cannot be met fails the run with one PluginError line naming it", () => {
  it.each([
    [
      "a latency objective not a bucket bound",
      `${base},slo_latency=0.3`,
      "slo_latency=0.3",
      `slo_latency 0.3 is not a bucket bound of the histogram: a latency objective counts the calls under one bound (the bounds are ${bounds})`,
    ],
    [
      "a latency objective not a bucket bound of the buckets given",
      `${base},histogram_buckets=0.1:0.5:2,slo_latency=0.25`,
      "slo_latency=0.25",
      "slo_latency 0.25 is not a bucket bound of the histogram: a latency objective counts the calls under one bound (the bounds are 0.1, 0.5, 2)",
    ],
    [
      "a latency of no seconds",
      `${base},slo_latency=0`,
      "slo_latency=0",
      "slo_latency must be a number of seconds above 0",
    ],
    [
      "latency without the histogram",
      "target=ts,rules=true,slo_latency=0.25",
      "slo_latency=0.25",
      "slo_latency needs histogram=true",
    ],
    [
      "an availability of 100",
      `${base},slo_availability=100`,
      "slo_availability=100",
      "slo_availability must be between 0 and 100, exclusive (a percentage), not 100",
    ],
    [
      "an availability of 0",
      `${base},slo_availability=0`,
      "slo_availability=0",
      "slo_availability must be between 0 and 100, exclusive (a percentage), not 0",
    ],
    [
      "an availability that is no number",
      `${base},slo_availability=high`,
      "slo_availability=high",
      "slo_availability must be a number",
    ],
    [
      "a latency percent outside (0, 100)",
      `${base},slo_latency=0.25,slo_latency_percent=100.5`,
      "slo_latency_percent=100.5",
      "slo_latency_percent must be between 0 and 100, exclusive (a percentage), not 100.5",
    ],
    [
      "a latency percent without a latency",
      `${base},slo_latency_percent=95`,
      "slo_latency_percent=95",
      "slo_latency_percent needs slo_latency",
    ],
    [
      "an unknown code",
      `${base},slo_fault_codes=Unavailable:INTERNAL`,
      "slo_fault_codes=Unavailable:INTERNAL",
      `slo_fault_codes names an unknown code "INTERNAL"; the codes are ${codes}`,
    ],
    ["OK as a fault", `${base},slo_fault_codes=OK`, "slo_fault_codes=OK", "slo_fault_codes cannot count OK as a fault"],
    [
      "a namespace that is no part of a metric name",
      `${base},namespace=my-app`,
      "namespace=my-app",
      "namespace must be letters, digits and underscores, not starting with a digit, as the namespace given to ServerMetrics and ClientMetrics",
    ],
    [
      "a subsystem starting with a digit",
      `${base},subsystem=1api`,
      "subsystem=1api",
      "subsystem must be letters, digits and underscores, not starting with a digit, as the subsystem given to ServerMetrics and ClientMetrics",
    ],
    [
      "an empty namespace",
      `${base},namespace=`,
      "namespace=",
      "namespace must not be empty: leave the option out for none",
    ],
    [
      "a namespace without dashboards or rules",
      "target=ts,namespace=shop",
      "namespace=shop",
      "namespace names the metrics the dashboards and rule files read: it needs dashboards=true or rules=true",
    ],
    [
      "an objective without rules=true",
      "target=ts,histogram=true,slo_availability=99",
      "slo_availability=99",
      "slo_availability sets an objective of the rule files: it needs rules=true",
    ],
  ])("%s", async (_what, parameter, option, why) => {
    const { code, stderr, files } = await run(parameter);
    expect(code).toBe(1);
    expect(files).toBe(0);
    expect(stderr).toBe(`protoc-gen-grpc-prom: invalid option ${JSON.stringify(option)}: ${why}; ${optionsLine}\n`);
  });

  it("succeeds, writing the rule files, on options that can be met", async () => {
    const { code, stderr } = await run(
      `${base},slo_availability=99.5,slo_latency=0.1,slo_latency_percent=95,slo_fault_codes=Internal:Unavailable`,
    );
    expect([code, stderr]).toEqual([0, ""]);
    const r = clone(CodeGeneratorRequestSchema, request);
    r.parameter = `${base},slo_availability=99.5,slo_latency=0.1,slo_latency_percent=95,slo_fault_codes=Internal:Unavailable`;
    const rules = protocGenGrpcProm.run(r).file.find((f) => f.name === "p_S.rules.yml")!.content;
    expect(rules.split("\n").filter((l) => l.startsWith("#   "))).toEqual([
      "#   A (unary): availability 99.5% (faults: Internal, Unavailable), latency 95% within 0.1s",
      "#   W (server_stream): availability 99.5% (faults: Internal, Unavailable); no latency objective: a stream's handling time is its lifetime",
    ]);
  });
});
