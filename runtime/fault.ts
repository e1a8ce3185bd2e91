let reported = false;

/**
 * reportFault is called where recording a metric failed. Metrics must never
 * change how a call goes, so the caller carries on without that number; the
 * first fault in the process is reported as a warning, the rest are not, so
 * that a broken recorder cannot flood the logs of a busy service.
 */
export function reportFault(err: unknown): void {
  if (reported) return;
  reported = true;
  try {
    const what = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.emitWarning(
      `recording gRPC metrics failed, and is skipped where it fails; calls go on unaffected (reported once): ${what}`,
      { code: "GRPC_PROM_RECORDING_FAILED", type: "protoc-gen-grpc-prom" },
    );
  } catch {
    // A warning that cannot be emitted must not fail the call either.
  }
}
