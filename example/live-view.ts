import type { Registry } from "prom-client";
import { readSnapshot, type Snapshot } from "./snapshot.js";
import { ms, table } from "./table.js";
import { type MethodWindow, windowStats } from "./window.js";

/** LiveViewOptions say what the live view reads and where it draws. */
export interface LiveViewOptions {
  readonly registry: Registry;
  readonly out: NodeJS.WriteStream;
  /** metricsUrl stays on screen, for a scraper or curl. */
  readonly metricsUrl: string;
  /** calls says how many calls the load has made so far. */
  readonly calls: () => number;
  /** windowSeconds is how far back rates, errors and quantiles look; default 10, a short rate() range. */
  readonly windowSeconds?: number;
}

/** LiveView is the live view running. */
export interface LiveView {
  /** stop draws no more; it resolves once a refresh under way has finished. */
  stop(): Promise<void>;
}

const refreshMs = 1_000;
/** plainEvery is how many refreshes pass between blocks when stdout is not a terminal: a log need not scroll every second. */
const plainEvery = 5;

/**
 * startLiveView shows, every second, what each side recorded per method
 * over the last window: calls/s, error %, p50 and p99 handling time (from
 * the histogram's buckets, as histogram_quantile computes them) and the calls
 * in flight. On a terminal it redraws in place; otherwise it prints a block
 * every few seconds.
 */
export async function startLiveView(options: LiveViewOptions): Promise<LiveView> {
  const { registry, out, metricsUrl, calls, windowSeconds = 10 } = options;
  const begin = performance.now();
  const history: Snapshot[] = [await readSnapshot(registry)];
  const tty = out.isTTY === true;
  let drawn = 0;
  let ticks = 0;
  let refreshing: Promise<void> = Promise.resolve();

  const refresh = async () => {
    const now = await readSnapshot(registry);
    history.push(now);
    // One snapshot a second: the oldest kept is the window's start.
    if (history.length > windowSeconds + 1) history.shift();
    const rows = render(windowStats(history[0]!, now));
    const up = Math.round((now.at - begin) / 1000);
    const window = Math.round((now.at - history[0]!.at) / 1000);
    if (tty) {
      const lines = [
        `metrics: ${metricsUrl}    Ctrl-C stops`,
        `up ${duration(up)}, ${calls()} calls made; per method over the last ${window}s:`,
        "",
        ...rows,
      ];
      // A line wider than the terminal wraps, and the redraw would climb too few lines.
      const width = out.columns > 0 ? out.columns - 1 : Number.POSITIVE_INFINITY;
      const fitted = lines.map((l) => l.slice(0, width));
      // Back to the top of the last frame, clear below, draw: the frame stays put.
      out.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ""}${fitted.join("\n")}\n`);
      drawn = fitted.length;
    } else if (++ticks % plainEvery === 0) {
      out.write(`\n[${duration(up)}] ${calls()} calls made; last ${window}s; ${metricsUrl}\n${rows.join("\n")}\n`);
    }
  };
  const timer = setInterval(() => {
    refreshing = refreshing.then(refresh).catch((err: unknown) => {
      process.stderr.write(`demo: live view: ${String(err)}\n`);
    });
  }, refreshMs);

  return {
    async stop() {
      clearInterval(timer);
      await refreshing;
    },
  };
}

/** render lays out the rows of the live view, one per method and side. */
function render(stats: readonly MethodWindow[]): string[] {
  const header = ["method", "side", "calls/s", "errors", "p50", "p99", "in flight"];
  const rows = stats.map((s) => [
    s.method,
    s.side,
    s.callsPerSecond.toFixed(1),
    Number.isNaN(s.errorRatio) ? "-" : `${(s.errorRatio * 100).toFixed(1)}%`,
    ms(s.p50),
    ms(s.p99),
    String(s.inFlight),
  ]);
  return table([header, ...rows], [false, false, true, true, true, true, true]);
}

/** duration renders whole seconds as 42s or 3m07s. */
function duration(s: number): string {
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}
