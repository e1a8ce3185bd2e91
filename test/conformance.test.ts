import { describe, expect, it } from "vitest";
import {
  type Expositions,
  expectLikeGo,
  golden,
  ourServer,
  runOurClient,
  scenario,
  scenarioNames,
} from "./support/conformance.js";
import { differenceTable, reasons } from "./support/differences.js";
import { scrape, settled } from "./support/exposition.js";

describe("the scenarios of testdata/goref, our server and client against goref's expositions", () => {
  const names = scenarioNames();

  it("has the scenarios: the shared one and ours", () => {
    expect(names).toEqual(["calltypes", "codes", "endings", "shared"]);
  });

  it.each(names)("%s: gives goref's expositions but for the difference table", async (name) => {
    const server = await ourServer();
    let ours: Expositions;
    try {
      const clientRegistry = await runOurClient(server.address, scenario(name));
      ours = { server: await settled(() => scrape(server.registry)), client: await scrape(clientRegistry) };
    } finally {
      await server.close();
    }
    const go = golden(name);
    expectLikeGo(name, "server", go.server, ours.server);
    expectLikeGo(name, "client", go.client, ours.client);
  });

  it("explains every difference with a reason, and names only scenarios that exist", () => {
    for (const row of differenceTable) {
      expect(Object.keys(reasons)).toContain(row.reason);
      expect(names).toContain(row.scenario);
    }
  });
});
