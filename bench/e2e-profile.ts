// Summarises the .cpuprofile files `tsx bench/e2e-main.ts --cpu-prof DIR`
// leaves (one per child, over the measured rounds): the heaviest functions
// and files by self time, and the time spent in (self) and under (inclusive,
// each sample counted once) code whose URL holds a filter, /runtime/ by
// default: what our wrapper costs. Lines of the runtime (and of packages
// that ship source maps) are mapped back to their TypeScript source.
//
//   tsx bench/e2e-profile.ts DIR|FILE[@N]... [--filter /runtime/] [--top 25] [--callers NAME]
//   tsx bench/e2e-profile.ts --compare BASE.cpuprofile@N OTHER.cpuprofile@M [--top 25]
//
// FILE@N divides each time by N (the messages the profile covers, which the
// run prints) and shows it in µs; --callers NAME lists the heaviest call
// paths (four frames up) into functions named NAME. --compare sets two
// profiles side by side, per file and per function, in µs per message, by
// how much the second spends more than the first.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** lineNumber and columnNumber are 0-based. */
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    filter: { type: "string", default: "/runtime/" },
    top: { type: "string", default: "25" },
    callers: { type: "string" },
    compare: { type: "boolean", default: false },
  },
});
const filter = values.filter;
const top = Number(values.top);

/** Input is a profile file, with the number of messages it covers when given as FILE@N. */
interface Input {
  readonly file: string;
  readonly per: number | undefined;
}

const inputs: Input[] = positionals.flatMap((arg): Input[] => {
  const at = arg.lastIndexOf("@");
  const path = at > 0 ? arg.slice(0, at) : arg;
  const per = at > 0 ? Number(arg.slice(at + 1)) : undefined;
  if (per !== undefined && !(per > 0)) throw new Error(`${arg}: the count after @ must be a positive number`);
  return statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith(".cpuprofile"))
        .sort()
        .map((f) => ({ file: join(path, f), per }))
    : [{ file: path, per }];
});
const root = fileURLToPath(new URL("..", import.meta.url));
const sourceMaps = new Map<string, SourceMap | undefined>();

/** sourceMapOf reads the source map beside a compiled file (the runtime e2e.ts builds with --cpu-prof has them). */
function sourceMapOf(path: string): SourceMap | undefined {
  if (!sourceMaps.has(path)) {
    const file = `${path}.map`;
    sourceMaps.set(path, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : undefined);
  }
  return sourceMaps.get(path);
}

/** Place is where a function is defined: its file and line, mapped back to the TypeScript source when a source map says. */
interface Place {
  readonly file: string;
  readonly line: number;
}

const places = new Map<string, Place>();
function placeOf(f: CallFrame): Place {
  const key = `${f.url}:${f.lineNumber}:${f.columnNumber}`;
  let place = places.get(key);
  if (place === undefined) {
    place = { file: shorten(f.url.replace(/^file:\/\//, "")), line: f.lineNumber + 1 };
    if (f.url.startsWith("file://")) {
      const path = fileURLToPath(f.url);
      const entry = sourceMapOf(path)?.findEntry(f.lineNumber, f.columnNumber) as
        | { originalSource?: string; originalLine?: number }
        | undefined;
      if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
        const source = entry.originalSource.startsWith("file://")
          ? fileURLToPath(entry.originalSource)
          : resolve(dirname(path), entry.originalSource);
        place = { file: shorten(source), line: entry.originalLine + 1 };
      }
    }
    places.set(key, place);
  }
  return place;
}

/** shorten names a file relative to the repository, and a package's file from its package. */
function shorten(path: string): string {
  const inPackage = path.lastIndexOf("/node_modules/");
  if (inPackage >= 0) return `~/${path.slice(inPackage + "/node_modules/".length)}`;
  return path.startsWith(root) ? relative(root, path) : path;
}

function where(f: CallFrame): string {
  const p = placeOf(f);
  return `${f.functionName || "(anonymous)"} ${p.file}:${p.line}`;
}

function add(m: Map<string, number>, k: string, us: number): void {
  m.set(k, (m.get(k) ?? 0) + us);
}

/** Summary is what one profile shows, times in µs. */
interface Summary {
  readonly busy: number;
  readonly idle: number;
  readonly filteredSelf: number;
  readonly filteredInclusive: number;
  readonly selfByFunction: Map<string, number>;
  readonly selfByFile: Map<string, number>;
  readonly inclusiveByFunction: Map<string, number>;
  /** filtered holds the keys of selfByFunction that are in the filtered code. */
  readonly filtered: Set<string>;
  readonly callerPaths: Map<string, number>;
}

function summarise(file: string): Summary {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const s: Summary = {
    busy: 0,
    idle: 0,
    filteredSelf: 0,
    filteredInclusive: 0,
    selfByFunction: new Map(),
    selfByFile: new Map(),
    inclusiveByFunction: new Map(),
    filtered: new Set(),
    callerPaths: new Map(),
  };
  let busy = 0;
  let idle = 0;
  let filteredSelf = 0;
  let filteredInclusive = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)") {
      idle += us;
      continue;
    }
    busy += us;
    const key = where(f);
    add(s.selfByFunction, key, us);
    add(s.selfByFile, f.url === "" ? f.functionName : placeOf(f).file, us);
    if (f.url.includes(filter)) {
      s.filtered.add(key);
      filteredSelf += us;
    }
    // Inclusive: the sample counts once for each filtered function on its stack, itself included.
    const seen = new Set<string>();
    for (let a: number | undefined = id; a !== undefined; a = parent.get(a)) {
      const af = byId.get(a)!.callFrame;
      if (!af.url.includes(filter)) continue;
      const k = where(af);
      if (!seen.has(k)) add(s.inclusiveByFunction, k, us);
      seen.add(k);
    }
    if (seen.size > 0) filteredInclusive += us;
    if (values.callers !== undefined && f.functionName === values.callers) {
      const chain: string[] = [];
      for (let a = parent.get(id), d = 0; a !== undefined && d < 4; a = parent.get(a), d++) {
        chain.push(where(byId.get(a)!.callFrame));
      }
      add(s.callerPaths, chain.join(" <- "), us);
    }
  }
  return { ...s, busy, idle, filteredSelf, filteredInclusive };
}

const ms = (us: number) => `${(us / 1000).toFixed(1).padStart(8)} ms`;
const heaviest = (m: Map<string, number>, keep: (k: string) => boolean = () => true) =>
  [...m]
    .filter(([k]) => keep(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);

function report(input: Input): void {
  const s = summarise(input.file);
  const pct = (us: number) => `${((100 * us) / s.busy).toFixed(2).padStart(6)}%`;
  const unit = (us: number) => (input.per === undefined ? "" : `${(us / input.per).toFixed(3).padStart(8)} µs`);
  const line = (k: string, us: number) => console.log(`  ${pct(us)} ${ms(us)} ${unit(us)}  ${k}`);
  console.log(`\n== ${input.file}${input.per === undefined ? "" : ` (per message: /${input.per})`}`);
  console.log(`busy ${ms(s.busy)} ${unit(s.busy)} (idle ${(s.idle / 1000).toFixed(1)} ms)`);
  console.log(`in ${filter}: self ${pct(s.filteredSelf)} ${ms(s.filteredSelf)} ${unit(s.filteredSelf)}`);
  console.log(
    `under ${filter}: inclusive ${pct(s.filteredInclusive)} ${ms(s.filteredInclusive)} ${unit(s.filteredInclusive)}`,
  );
  console.log(`top ${top} functions by self time:`);
  for (const [k, us] of heaviest(s.selfByFunction)) line(k, us);
  console.log(`top ${top} files by self time:`);
  for (const [k, us] of heaviest(s.selfByFile)) line(k, us);
  if (s.filtered.size > 0) {
    console.log(`${filter} functions by self time:`);
    for (const [k, us] of heaviest(s.selfByFunction, (k) => s.filtered.has(k))) line(k, us);
    console.log(`${filter} functions by inclusive time (with what they call):`);
    for (const [k, us] of heaviest(s.inclusiveByFunction)) line(k, us);
  }
  if (s.callerPaths.size > 0) {
    console.log(`callers of ${values.callers}:`);
    for (const [k, us] of heaviest(s.callerPaths)) line(`<- ${k}`, us);
  }
}

function compare(base: Input, other: Input): void {
  if (base.per === undefined || other.per === undefined) throw new Error("--compare: give each profile as FILE@N");
  const a = summarise(base.file);
  const b = summarise(other.file);
  const perA = base.per;
  const perB = other.per;
  const µs = (n: number) => n.toFixed(3).padStart(9);
  console.log(`µs per message: A = ${base.file} (/${perA}), B = ${other.file} (/${perB})`);
  console.log(`busy: A ${µs(a.busy / perA)}  B ${µs(b.busy / perB)}  B-A ${µs(b.busy / perB - a.busy / perA)}`);
  console.log(`in ${filter} (self): B ${µs(b.filteredSelf / perB)}`);
  const table = (title: string, ma: Map<string, number>, mb: Map<string, number>) => {
    const keys = new Set([...ma.keys(), ...mb.keys()]);
    const rows = [...keys].map((k) => {
      const x = (ma.get(k) ?? 0) / perA;
      const y = (mb.get(k) ?? 0) / perB;
      return { k, x, y, d: y - x };
    });
    console.log(`${title}, by B-A (the ${top} largest each way):`);
    const sorted = rows.sort((p, q) => q.d - p.d);
    const shown = [...sorted.slice(0, top), ...sorted.slice(-top).filter((r) => !sorted.slice(0, top).includes(r))];
    for (const r of shown) console.log(`  A ${µs(r.x)}  B ${µs(r.y)}  B-A ${µs(r.d)}  ${r.k}`);
  };
  table("files", a.selfByFile, b.selfByFile);
  table("functions", a.selfByFunction, b.selfByFunction);
}

if (values.compare) {
  if (inputs.length !== 2) throw new Error("--compare takes exactly two profiles");
  compare(inputs[0]!, inputs[1]!);
} else {
  for (const input of inputs) report(input);
}
