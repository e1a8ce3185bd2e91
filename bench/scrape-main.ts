// Runs the scrape measure alone: `tsx bench/scrape-main.ts [--quick] [--rounds N]`.
import { runAlone } from "./alone.js";
import { runScrape } from "./scrape.js";

await runAlone("scrape", runScrape);
