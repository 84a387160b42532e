// What the page-test scripts (interactions.mjs, drm_players.mjs) share: progress lines in the
// protocol of tests/support/browser_driver.hpp, playwright-core loaded from the browser
// driver's node_modules, named steps, and the run itself: Debian's chromium launched headless,
// the scenario, then ONE JSON object of observations on stdout (exit code 1 on a failure).
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

export const WAIT_MS = 15000;
export const say = (text) => process.stderr.write("interactions: " + text + "\n");

function loadPlaywright() {
  const tries = [];
  const driverDir = process.env.BVLIVE_BROWSER_DRIVER_DIR;
  if (driverDir) tries.push(path.join(driverDir, "package.json"));
  tries.push(import.meta.url);  // NODE_PATH, then node_modules beside the script
  for (const from of tries) {
    try { return createRequire(from)("playwright-core"); } catch (e) { /* next */ }
  }
  say("cannot load playwright-core: build the browser_driver target (share/scripts/install-browser-driver.sh DIR)" +
      " and run with NODE_PATH=DIR/node_modules");
  process.exit(1);
}

// One step: run `fn` or fail with a message that says which step and why.
export async function step(what, fn) {
  say(what);
  try {
    return await fn();
  } catch (e) {
    throw new Error(what + ": " + (e && e.message ? e.message.split("\n")[0] : String(e)));
  }
}

// Launches chromium (with `extraArgs`), runs `scenario(browser)`, closes it and prints
// `observed` (with `failure` when a step failed).
export async function runInChromium(outDir, observed, extraArgs, scenario) {
  const { chromium } = loadPlaywright();
  let browser = null;
  let failed = null;
  try {
    fs.mkdirSync(outDir, { recursive: true });
    browser = await step("launching chromium", () => chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      timeout: WAIT_MS,
      args: ["--no-sandbox", "--mute-audio", "--autoplay-policy=no-user-gesture-required", "--no-first-run",
             "--disable-dev-shm-usage", ...extraArgs],
    }));
    observed.browser_version = browser.version();
    await scenario(browser);
  } catch (e) {
    failed = e && e.message ? e.message : String(e);
    observed.failure = failed;
  }
  try { if (browser) await browser.close(); } catch (e) { /* going anyway */ }
  process.stdout.write(JSON.stringify(observed) + "\n");
  if (failed) {
    say("FAILED: " + failed);
    process.exitCode = 1;
  }
}
