// A page of bvlived's HTTPS origin in Debian's chromium, headless, driven by playwright-core (as
// tests/browser/interactions.mjs is), for tests/integration/test_tls_browser.cpp. Chromium trusts
// the test's server key the way it would trust an installed CA: --ignore-certificate-errors-spki-list
// with that one key's hash (playwright's ignoreHTTPSErrors is NOT used: any other certificate is
// still an error). Prints progress to stderr as `https_origin: ...` and ONE JSON line of what it
// saw on stdout; it asserts nothing beyond bounded waits, the C++ test checks the JSON.
//
//   node https_origin.mjs watch URL SPKI SECONDS
//     The viewer page at URL; waits until its `watch:` reports show SECONDS of video played.
//   node https_origin.mjs whip URL SPKI PUBLISH_HTML
//     Opens URL (a page of the HTTPS origin whose query carries ?endpoint=&key=), runs the
//     script of PUBLISH_HTML (tests/data/whip/publish.html) in it, with a fake camera and
//     microphone, and waits for its peer connection; prints the JSON, then keeps publishing
//     until SIGTERM (at most 3 minutes).
//
// What it reports in both: the page's location.protocol and window.isSecureContext; chromium's
// own security state of the page (DevTools Security domain: secure / insecure / neutral, its
// certificate network error, its issues such as mixed content); the TLS details of the main
// response; every request the page made (URL, and the failures with their net:: errors); every
// console message (type, text) and page error.
//
// playwright-core comes from NODE_PATH (the build's browser-driver/node_modules) or from
// BVLIVE_BROWSER_DRIVER_DIR/node_modules. CHROMIUM overrides /usr/bin/chromium.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [mode, url, spki, arg] = process.argv.slice(2);
const say = (text) => process.stderr.write("https_origin: " + text + "\n");
if (!["watch", "whip"].includes(mode) || !url || !spki || !arg) {
  say("usage: node https_origin.mjs watch URL SPKI SECONDS | whip URL SPKI PUBLISH_HTML");
  process.exit(2);
}

function loadPlaywright() {
  const tries = [];
  if (process.env.BVLIVE_BROWSER_DRIVER_DIR) tries.push(path.join(process.env.BVLIVE_BROWSER_DRIVER_DIR, "package.json"));
  tries.push(import.meta.url);
  for (const from of tries) {
    try { return createRequire(from)("playwright-core"); } catch (e) { /* next */ }
  }
  say("cannot load playwright-core: build the browser_driver target and run with NODE_PATH=DIR/node_modules");
  process.exit(1);
}
const { chromium } = loadPlaywright();

const observed = {
  mode, url, console: [], page_errors: [], requests: [], failed_requests: [], security_states: [], reports: [],
};
let browser = null;

async function step(what, fn) {
  say(what);
  try {
    return await fn();
  } catch (e) {
    throw new Error(what + ": " + (e && e.message ? e.message.split("\n")[0] : String(e)));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, done, ms) {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error("gave up waiting after " + ms + " ms");
    await sleep(100);
  }
}

// A page that records what the test checks: console, errors, requests, security state.
async function openPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("console", (m) => {
    const text = m.text();
    if (text.startsWith("watch: {")) {
      try { observed.reports.push(JSON.parse(text.slice(7))); } catch (e) { /* not one */ }
      return;
    }
    observed.console.push({ type: m.type(), text });
  });
  page.on("pageerror", (e) => observed.page_errors.push(e.message));
  page.on("request", (r) => {
    const u = r.url();
    // Segments come every second: the first 300 are enough to see the schemes.
    if (observed.requests.length < 300 && !u.startsWith("data:")) observed.requests.push(u);
  });
  page.on("requestfailed", (r) => {
    const err = r.failure() ? r.failure().errorText : "";
    // A media request cut short when the player moves on is not a failure of the origin.
    if (err !== "net::ERR_ABORTED") observed.failed_requests.push({ url: r.url(), error: err });
  });
  const cdp = await context.newCDPSession(page);
  cdp.on("Security.visibleSecurityStateChanged", (e) => {
    const s = e.visibleSecurityState;
    const c = s.certificateSecurityState || null;
    observed.security_states.push({
      state: s.securityState,
      issues: s.securityStateIssueIds || [],
      certificate: c && {
        subject: c.subjectName, issuer: c.issuer, protocol: c.protocol,
        network_error: c.certificateNetworkError || null,
        obsolete_ssl: !!(c.obsoleteSslProtocol || c.obsoleteSslKeyExchange || c.obsoleteSslCipher ||
                         c.obsoleteSslSignature),
      },
    });
  });
  await cdp.send("Security.enable");
  return page;
}

async function where(page) {
  return page.evaluate(() => ({ href: location.href, protocol: location.protocol, origin: location.origin,
                                 is_secure_context: window.isSecureContext }));
}

async function goto(page) {
  const response = await step("opening " + url,
                              () => page.goto(url, { waitUntil: "domcontentloaded", timeout: 20000 }));
  observed.status = response ? response.status() : null;
  const tls = response ? await response.securityDetails() : null;
  observed.tls = tls && { protocol: tls.protocol, subject: tls.subjectName, issuer: tls.issuer };
  observed.location = await where(page);
}

// The video time advances `seconds` between two of the page's reports that say it plays.
function played(seconds) {
  const playing = observed.reports.filter((r) => r.playing && !r.paused && typeof r.currentTime === "number");
  if (playing.length < 2) return false;
  return playing[playing.length - 1].currentTime - playing[0].currentTime >= seconds;
}

async function watch(seconds) {
  const page = await openPage();
  await goto(page);
  await step("waiting for " + seconds + " s of video", () => until("playing", () => played(seconds), 45000));
  const playing = observed.reports.filter((r) => r.playing && !r.paused);
  observed.played = { from: playing[0].currentTime, to: playing[playing.length - 1].currentTime };
  observed.location = await where(page);  // still there, still secure
  observed.video = await page.evaluate(() => {
    const v = document.querySelector("video");
    return { current_time: v.currentTime, ready_state: v.readyState, width: v.videoWidth, height: v.videoHeight };
  });
}

async function whip(publishHtml) {
  const html = fs.readFileSync(publishHtml, "utf8");
  const script = /<script>([\s\S]*?)<\/script>/.exec(html);
  if (!script) throw new Error("no <script> in " + publishHtml);
  const page = await openPage();
  await goto(page);
  // publish.html's own script, as the page's: getUserMedia and the WHIP POST run in this origin.
  await step("running the publisher of " + path.basename(publishHtml), () => page.addScriptTag({ content: script[1] }));
  const whipLines = () => observed.console.filter((m) => m.text.startsWith("whip: ")).map((m) => m.text.slice(6));
  await step("waiting for the peer connection", () => until("connected", () =>
    whipLines().some((l) => /^(connection (connected|failed)|refused|error)/.test(l)), 40000));
  observed.whip = whipLines();
  observed.location = await where(page);
}

let failed = null;
try {
  browser = await step("launching chromium", () => chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    timeout: 20000,
    handleSIGTERM: false,
    args: ["--no-sandbox", "--mute-audio", "--autoplay-policy=no-user-gesture-required", "--no-first-run",
           "--disable-dev-shm-usage", "--ignore-certificate-errors-spki-list=" + spki,
           ...(mode === "whip" ? ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"] : [])],
  }));
  observed.browser_version = browser.version();
  if (mode === "watch") await watch(Number(arg));
  else await whip(arg);
} catch (e) {
  failed = e && e.message ? e.message : String(e);
  observed.failure = failed;
}
process.stdout.write(JSON.stringify(observed) + "\n");
if (failed) say("FAILED: " + failed);
if (mode === "whip" && !failed) {
  // Keep publishing until the test is done with the session.
  say("publishing");
  await new Promise((resolve) => {
    process.on("SIGTERM", resolve);
    setTimeout(resolve, 180000);
  });
}
try { if (browser) await browser.close(); } catch (e) { /* going anyway */ }
process.exit(failed ? 1 : 0);
