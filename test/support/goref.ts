import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";

/**
 * gorefBinary is the go-grpc-prometheus reference driver: $GOREF when set
 * (CI sets it, so a missing binary fails there instead of skipping), else
 * where the shared kit's build.sh puts it by default; undefined when there is
 * none (a machine without Go or the shared kit).
 */
export function gorefBinary(): string | undefined {
  if (process.env.GOREF) return process.env.GOREF;
  return existsSync("/tmp/goref/goref") ? "/tmp/goref/goref" : undefined;
}

/** runGoref runs goref to its end and returns what it printed. */
export function runGoref(bin: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`goref ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** GorefServer is a running `goref server`: the Go conformance service with go-grpc-prometheus. */
export interface GorefServer {
  readonly grpc: string;
  scrape(): Promise<string>;
  close(): void;
}

/** startGorefServer starts `goref server` on loopback ports it chooses and waits for its address line. */
export function startGorefServer(bin: string): Promise<GorefServer> {
  const child = spawn(bin, ["server", "-listen", "127.0.0.1:0", "-metrics", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`goref server did not start: ${stderr}`));
    }, 10_000);
    child.once("exit", (code) => reject(new Error(`goref server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const m = /^grpc=(\S+) metrics=(\S+)$/.exec(line);
      if (!m) {
        child.kill();
        reject(new Error(`goref server printed ${JSON.stringify(line)}`));
        return;
      }
      const metrics = m[2]!;
      resolve({
        grpc: m[1]!,
        scrape: async () => (await fetch(`http://${metrics}/metrics`, { signal: AbortSignal.timeout(10_000) })).text(),
        close: () => child.kill(),
      });
    });
  });
}
