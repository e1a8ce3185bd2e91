import { join } from "node:path";
import { describe, it } from "vitest";
import {
  expectLikeGo,
  golden,
  gorefDir,
  ourServer,
  runOurClient,
  scenario,
  scenarioNames,
} from "./support/conformance.js";
import { parseExposition, scrape, settled } from "./support/exposition.js";
import { gorefBinary, runGoref, startGorefServer } from "./support/goref.js";

const goref = gorefBinary();
if (goref === undefined) {
  console.log(
    "interop tests skipped: no goref (set GOREF, or build it with ../shared/reference/build.sh, which needs Debian's Go packages)",
  );
}

describe.runIf(goref !== undefined)("live, across languages, against go-grpc-prometheus", () => {
  const bin = goref!;

  it.each(scenarioNames())("%s: goref's Go client against our server", async (name) => {
    const server = await ourServer();
    try {
      const goClient = await runGoref(bin, [
        "client",
        "-target",
        server.address,
        "-scenario",
        join(gorefDir, `${name}.json`),
      ]);
      const go = golden(name);
      // Our server shows what goref's own server shows, but for the table.
      expectLikeGo(name, "server", go.server, await settled(() => scrape(server.registry)));
      // And the Go client, talking to our server, shows exactly what it shows talking to its own.
      expectLikeGo(name, "client", go.client, parseExposition(goClient), []);
    } finally {
      await server.close();
    }
  });

  it.each(scenarioNames())("%s: our client against goref's Go server", async (name) => {
    const server = await startGorefServer(bin);
    try {
      const clientRegistry = await runOurClient(server.grpc, scenario(name));
      const go = golden(name);
      // goref's server counts our client's calls as it counts its own client's, exactly.
      const goServer = await settled(async () => parseExposition(await server.scrape()));
      expectLikeGo(name, "server", go.server, goServer, []);
      expectLikeGo(name, "client", go.client, await scrape(clientRegistry));
    } finally {
      server.close();
    }
  });
});
