// The CPU profiler of a bench/e2e child: started by the parent once warm-up
// is over, so that a profile holds the measured rounds only (not start-up,
// module loading and warm-up, as `node --cpu-prof` would), and written when
// the child exits, named after its role, its kind and its pid.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/** samplingMicros is the profiler's sampling interval: finer than --cpu-prof's 1 ms, as the calls are short. */
const samplingMicros = 250;

let session: Session | undefined;
let file: string | undefined;

/** startProfile starts profiling this process, to be written into dir as `<role>-<kind>-<pid>.cpuprofile`. */
export async function startProfile(dir: string, role: "server" | "client", kind: string): Promise<void> {
  if (session !== undefined) return;
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: samplingMicros });
  await session.post("Profiler.start");
  file = join(dir, `${role}-${kind.replace(/[^a-z0-9-]+/gi, "_")}-${process.pid}.cpuprofile`);
}

/** stopProfile writes the profile, if one was started. */
export async function stopProfile(): Promise<void> {
  if (session === undefined || file === undefined) return;
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  session = undefined;
}
