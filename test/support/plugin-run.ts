import { Readable, Writable } from "node:stream";
import { protocGenGrpcProm } from "../../plugin/plugin.js";
import { runPlugin } from "../../plugin/run-node.js";

/** PluginExit is how a run of the plugin's bin ended: its exit code, what it wrote to stdout, and its stderr. */
export interface PluginExit {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** runInProcess does what the plugin's bin does, in this process, with input on its stdin: a process each would take seconds. */
export async function runInProcess(input: Uint8Array, args: string[] = []): Promise<PluginExit> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (to: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        to.push(chunk);
        done();
      },
    });
  const io = {
    stdin: Readable.from(input.length > 0 ? [Buffer.from(input)] : []),
    stdout: sink(out),
    stderr: sink(err),
  };
  const code = await runPlugin(protocGenGrpcProm, args, io);
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}
