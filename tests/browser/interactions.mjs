// Drives bvlive's viewer page (/watch/ID) in Debian's chromium, headless, with playwright-core,
// as viewers would use its chat and polls, and prints ONE JSON object with what it saw on the
// pages (stdout). It asserts nothing beyond bounded waits: the C++ tests
// (tests/integration/test_watch_interactions.cpp, test_watch_page.cpp) check the observations. Progress goes to
// stderr as `interactions: ...` lines; the host scenario waits on the test through them.
//
//   node interactions.mjs URL OUTDIR [viewers|host|embedded|pause]
//
// viewers (default): two browser contexts (two devices) A and B. Names; A posts, B sees it;
//   A posts HTML, B shows it as text; A votes in the newest poll, B's results follow; B votes;
//   A is offered no second vote and a direct POST of one is refused; theme, screenshots.
// host: one viewer. Reads the history, posts a message, prints `interactions: ready`, waits
//   for a new host message to appear, prints `interactions: host message seen ID`, waits for it
//   to go (the host deletes it); theme, screenshots.
// embedded: a customer's page on another site (http://customer.example:PORT/, served by the
//   script on 127.0.0.1, the name mapped there for chromium) with the watch page in an iframe, where the browser
//   keeps the daemon's SameSite=Lax cookie out. Checks from inside the frame that no cookie
//   goes (two cookieless fetches of /interaction get two new device ids), then in the frame:
//   votes in the newest poll, reloads the customer's page, reads the poll again (this device's
//   choice, no second vote), posts a message; screenshots.
// pause: one viewer of a playing live or VOD. Waits until the video plays (its time
//   advances), pauses it with the page's play/pause button, reads the cover (shown? which
//   src? its image loaded?), the video and the page's last `watch:` report; screenshot; plays
//   again and reads that the cover went and the time advances.
//
// playwright-core comes from NODE_PATH (the build's browser-driver/node_modules), or from
// BVLIVE_BROWSER_DRIVER_DIR/node_modules, or from beside this script. CHROMIUM overrides
// /usr/bin/chromium. Exits 1 with a clear message when a wait runs out.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

import { WAIT_MS, runInChromium, say, step } from "./driver_common.mjs";

const [url, outDir, scenario = "viewers"] = process.argv.slice(2);

if (!url || !outDir || !["viewers", "host", "embedded", "pause"].includes(scenario)) {
  say("usage: node interactions.mjs URL OUTDIR [viewers|host|embedded|pause]");
  process.exit(2);
}

const observed = { scenario, url, page_errors: [], dialogs: [], console_errors: [] };
let browser = null;

async function newPage(name, viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => observed.page_errors.push(name + ": " + e.message));
  page.on("dialog", (d) => { observed.dialogs.push(name + ": " + d.type() + " " + d.message()); d.dismiss().catch(() => {}); });
  page.on("console", (m) => { if (m.type() === "error") observed.console_errors.push(name + ": " + m.text()); });
  return page;
}

async function openViewer(name) {
  const page = await newPage(name);
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: WAIT_MS });
  return page;
}

// The chat shown, open for posting, its history loaded.
async function waitChatOpen(page) {
  await page.waitForSelector('#chat[data-loaded="true"]:not([hidden]) #chat-fields:not([disabled])', { timeout: WAIT_MS });
}

// Posts `text` as the page's viewer; returns the chat error line afterwards ("" when none).
async function post(page, text) {
  await page.fill("#chat-text", text);
  await page.click("#chat-send", { timeout: WAIT_MS });
  // Sent: the field empties on success, the error line says why not otherwise.
  await page.waitForFunction(() => document.getElementById("chat-text").value === "" ||
                                   document.getElementById("chat-error").textContent !== "",
                             null, { timeout: WAIT_MS });
  return page.textContent("#chat-error");
}

// The messages a page shows: id, name, text, host tag, and the elements inside the text.
function messagesOf(page) {
  return page.$$eval("#chat-list .msg", (items) => items.map((li) => ({
    id: Number(li.dataset.id),
    name: li.querySelector(".name") ? li.querySelector(".name").textContent : null,
    text: li.querySelector(".text") ? li.querySelector(".text").textContent : null,
    host: li.classList.contains("host"),
    tag: li.querySelector(".tag") ? li.querySelector(".tag").textContent : null,
    time: li.querySelector("time") ? li.querySelector("time").textContent : null,
  })));
}

async function waitForMessage(page, text) {
  await page.waitForFunction((t) => [...document.querySelectorAll("#chat-list .msg .text")].some((e) => e.textContent === t),
                             text, { timeout: WAIT_MS });
  return (await messagesOf(page)).find((m) => m.text === text);
}

// A poll as the page shows it: question, whether vote buttons are offered, results.
function pollOf(page, pollId) {
  return page.$eval(`.poll[data-id="${pollId}"]`, (p) => ({
    id: Number(p.dataset.id),
    question: p.querySelector(".question").textContent,
    open: p.dataset.open === "true",
    total: Number(p.dataset.total),
    voted: p.dataset.voted === undefined ? null : Number(p.dataset.voted),
    vote_buttons: [...p.querySelectorAll("button.vote")].map((b) => b.textContent),
    results: [...p.querySelectorAll(".result")].map((r) => ({
      option: r.querySelector(".option").textContent,
      count: Number(r.dataset.count),
      label: r.querySelector(".count").textContent,
      mine: r.classList.contains("mine"),
    })),
    meta: p.querySelector(".poll-meta").textContent,
    error: p.querySelector(".poll-error") ? p.querySelector(".poll-error").textContent : null,
  }));
}

async function waitPollTotal(page, pollId, total) {
  await page.waitForFunction(([id, n]) => {
    const p = document.querySelector(`.poll[data-id="${id}"]`);
    return p && Number(p.dataset.total) === n;
  }, [pollId, total], { timeout: WAIT_MS });
  return pollOf(page, pollId);
}

// What the theme looks like: the body's data-theme and the computed colours of the page and the chat panel.
function themeOf(page) {
  return page.evaluate(() => ({
    data_theme: document.body.dataset.theme || null,
    body_background: getComputedStyle(document.body).backgroundColor,
    chat_background: getComputedStyle(document.getElementById("chat")).backgroundColor,
    chat_color: getComputedStyle(document.getElementById("chat")).color,
    polls_background: getComputedStyle(document.getElementById("polls")).backgroundColor,
  }));
}

async function screenshot(page, name) {
  const file = path.join(outDir, name);
  await page.screenshot({ path: file, timeout: WAIT_MS });
  return file;
}

async function viewers() {
  const a = await step("opening viewer A", () => openViewer("A"));
  const b = await step("opening viewer B", () => openViewer("B"));
  await step("waiting for A's chat to open", () => waitChatOpen(a));
  await step("waiting for B's chat to open", () => waitChatOpen(b));
  observed.counter = await a.textContent("#chat-count");

  await a.fill("#chat-name", "Alice");
  await b.fill("#chat-name", "Bob");
  const hello = "Hello from A";
  observed.a_post_error = await step("A posts a message", () => post(a, hello));
  observed.hello_in_b = await step("waiting for A's message in B", () => waitForMessage(b, hello));
  observed.hello_in_a = await step("waiting for A's message in A", () => waitForMessage(a, hello));

  const html = "<img src=x onerror=alert(1)><b>bold</b>";
  observed.html_text = html;
  observed.a_html_post_error = await step("A posts HTML", () => post(a, html));
  observed.html_in_b = await step("waiting for the HTML message in B", () => waitForMessage(b, html));
  observed.elements_in_chat_b = await b.$$eval("#chat-list img, #chat-list b, #chat-list script", (e) => e.length);
  observed.elements_in_chat_a = await a.$$eval("#chat-list img, #chat-list b, #chat-list script", (e) => e.length);
  observed.name_remembered = await a.evaluate(() => localStorage.getItem("bvlive.chat.name"));

  // The newest poll (the page lists newest first).
  const pollId = await step("waiting for a poll in A", async () => {
    await a.waitForSelector(".poll button.vote", { timeout: WAIT_MS });
    return Number(await a.getAttribute(".poll", "data-id"));
  });
  await step("waiting for the poll in B", () => b.waitForSelector(`.poll[data-id="${pollId}"] button.vote`, { timeout: WAIT_MS }));
  observed.poll_before_a = await pollOf(a, pollId);

  await step("A votes for option 0", () => a.click(`.poll[data-id="${pollId}"] button.vote[data-option="0"]`));
  observed.poll_a_after_vote = await step("waiting for A's vote in A", async () => {
    await a.waitForSelector(`.poll[data-id="${pollId}"][data-voted="0"]`, { timeout: WAIT_MS });
    return pollOf(a, pollId);
  });
  observed.poll_b_after_a = await step("waiting for A's vote in B's results (no reload)", () => waitPollTotal(b, pollId, 1));

  await step("B votes for option 1", () => b.click(`.poll[data-id="${pollId}"] button.vote[data-option="1"]`));
  observed.poll_b_after_b = await step("waiting for B's vote in B", async () => {
    await b.waitForSelector(`.poll[data-id="${pollId}"][data-voted="1"]`, { timeout: WAIT_MS });
    return waitPollTotal(b, pollId, 2);
  });
  observed.poll_a_after_b = await step("waiting for B's vote in A's results", () => waitPollTotal(a, pollId, 2));

  // A second vote from A: the page offers none; sent anyway, the daemon refuses it.
  observed.a_second_vote_buttons = (await pollOf(a, pollId)).vote_buttons.length;
  observed.a_second_vote = await step("A votes again with a direct request", () => a.evaluate(async (pid) => {
    const here = new URL(location.href);
    const live = here.pathname.replace(/\/+$/, "").split("/").pop();
    const token = here.searchParams.get("token");
    const r = await fetch("/live/" + live + "/polls/" + pid + "/vote" + (token ? "?token=" + encodeURIComponent(token) : ""),
                          { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ option: 2 }) });
    return { status: r.status, text: (await r.text()).trim() };
  }, pollId));
  observed.poll_a_final = await pollOf(a, pollId);
  observed.poll_b_final = await pollOf(b, pollId);

  observed.theme_a = await themeOf(a);
  observed.theme_b = await themeOf(b);
  observed.messages_a = await messagesOf(a);
  observed.messages_b = await messagesOf(b);

  // Last (it uses up A's posting allowance): posting too fast shows the daemon's refusal.
  observed.rate_limit_error = "";
  for (let i = 1; i <= 8 && !observed.rate_limit_error; ++i)
    observed.rate_limit_error = await step("A posts quickly (" + i + ")", () => post(a, "quick " + i));
  observed.screenshots = [await screenshot(a, "viewer_a.png"), await screenshot(b, "viewer_b.png")];
}

async function host() {
  const v = await step("opening the viewer", () => openViewer("V"));
  await step("waiting for the chat", () => waitChatOpen(v));
  observed.theme = await themeOf(v);
  observed.history = await messagesOf(v);
  await v.fill("#chat-name", "Viv");
  const thanks = "Thanks, host!";
  observed.viewer_post_error = await step("the viewer posts", () => post(v, thanks));
  observed.viewer_message = await step("waiting for the viewer's message", () => waitForMessage(v, thanks));
  // A host message that comes after this point (the history may hold older ones).
  const before = (await messagesOf(v)).map((m) => m.id);
  observed.messages_before = before.length;
  say("ready");
  const seen = await step("waiting for a host message", async () => {
    await v.waitForFunction((old) => [...document.querySelectorAll("#chat-list .msg.host")]
                                       .some((li) => !old.includes(Number(li.dataset.id))),
                            before, { timeout: 2 * WAIT_MS });
    return (await messagesOf(v)).find((m) => m.host && !before.includes(m.id));
  });
  observed.host_message = seen;
  observed.screenshots = [await screenshot(v, "viewer_host_message.png")];
  say("host message seen " + seen.id);
  await step("waiting for the host message to go", () =>
    v.waitForSelector(`#chat-list .msg[data-id="${seen.id}"]`, { state: "detached", timeout: 2 * WAIT_MS }));
  observed.host_message_removed = true;
  observed.messages_after_delete = await messagesOf(v);
  observed.screenshots.push(await screenshot(v, "viewer_after_delete.png"));
}

// The customer's page: another site than the daemon's (127.0.0.1), so the watch page in its
// iframe is a cross-site frame. The script serves it on loopback (the browser resolves
// customer.example to 127.0.0.1): a page from a public address could not frame a loopback
// daemon at all (chromium's local network access rules), which is not what is tested here.
const CUSTOMER_HOST = "customer.example";
// Chromium as viewers have it for the embedded case: customer.example on loopback, and
// third-party storage partitioned (Chrome's default; playwright turns it off, and then a
// cross-site frame gets no localStorage at all when third-party cookies are blocked, as they
// are in this chromium). The last --disable-features wins: playwright's list without
// ThirdPartyStoragePartitioning.
const embeddedArgs = [
  "--host-resolver-rules=MAP " + CUSTOMER_HOST + " 127.0.0.1",
  "--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,BoundaryEventDispatchTracksNodeRemoval," +
    "DestroyProfileOnBrowserClose,DialMediaRouteProvider,GlobalMediaControls,HttpsUpgrades,LensOverlay,MediaRouter," +
    "PaintHolding,Translate,AutoDeElevate,RenderDocument,OptimizationHints",
];
const customerHtml = (src) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Customer</title></head>
<body style="margin:0;padding:16px;background:#fff;font:16px sans-serif">
<h1 style="margin:0 0 8px;font-size:20px">Customer site: the live, embedded</h1>
<iframe id="watch" src="${src.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}" width="1280" height="760"
        style="border:1px solid #ccc" allow="autoplay; fullscreen"></iframe>
</body></html>`;

// The watch page's frame in the customer's page, once its document is there.
async function watchFrame(page) {
  const handle = await page.waitForSelector("#watch", { timeout: WAIT_MS });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const frame = await handle.contentFrame();
    if (frame && frame.url().startsWith(url.split("?")[0])) return frame;
    if (Date.now() > deadline) throw new Error("the iframe did not load the watch page (at " + (frame ? frame.url() : "none") + ")");
    await new Promise((r) => setTimeout(r, 100));
  }
}

// From inside the frame: GET /live/ID/interaction as the page's own fetches go (same-origin
// credentials), with or without the device header; the device the daemon answered.
function interactionFrom(frame, device) {
  return frame.evaluate(async (dev) => {
    const here = new URL(location.href);
    const live = here.pathname.replace(/\/+$/, "").split("/").pop();
    const token = here.searchParams.get("token");
    const r = await fetch("/live/" + live + "/interaction" + (token ? "?token=" + encodeURIComponent(token) : ""),
                          { cache: "no-store", credentials: "same-origin", headers: dev ? { "X-Bvlive-Device": dev } : {} });
    const text = await r.text();
    let device = null;
    try { device = JSON.parse(text).device; } catch (x) { /* not JSON */ }
    return { status: r.status, device, set_cookie_visible: r.headers.get("set-cookie") !== null };
  }, device || "");
}

const storedDevice = (frame) => frame.evaluate(() => {
  try { return localStorage.getItem("bvlive_device"); } catch (x) { return "storage blocked: " + x.message; }
});

// Serves the customer's page on 127.0.0.1 (any free port) until the script ends; its URL.
async function serveCustomerPage() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(customerHtml(url));
  });
  await new Promise((resolve, reject) => { server.once("error", reject); server.listen(0, "127.0.0.1", resolve); });
  server.unref();
  return "http://" + CUSTOMER_HOST + ":" + server.address().port + "/live.html";
}

async function embedded() {
  const customerPage = await step("serving the customer's page", serveCustomerPage);
  const page = await newPage("E", { width: 1340, height: 900 });
  await step("opening the customer's page", () => page.goto(customerPage, { waitUntil: "domcontentloaded", timeout: WAIT_MS }));
  observed.top_url = page.url();
  observed.third_party_storage = "partitioned (as Chrome ships it)";
  let frame = await step("waiting for the watch page in the iframe", () => watchFrame(page));
  observed.frame_url = frame.url();
  await step("waiting for the frame's chat to open", () => waitChatOpen(frame));

  // No cookie in this frame: the browser kept the daemon's Set-Cookie out, and sends none, so
  // each fetch without the header is a new device to the daemon.
  observed.cookies_stored = (await page.context().cookies(url)).map((c) => c.name + " (SameSite=" + c.sameSite + ")");
  observed.frame_document_cookie = await frame.evaluate(() => document.cookie);
  observed.cookieless_fetches = [await step("a cookieless fetch (1)", () => interactionFrom(frame)),
                                 await step("a cookieless fetch (2)", () => interactionFrom(frame))];
  observed.stored_device = await storedDevice(frame);
  // The header stands for the device: the id of the first cookieless fetch, sent back.
  observed.fetch_with_header = await step("a fetch with a device header",
                                          () => interactionFrom(frame, observed.cookieless_fetches[0].device));

  const pollId = await step("waiting for a poll in the frame", async () => {
    await frame.waitForSelector(".poll button.vote", { timeout: WAIT_MS });
    return Number(await frame.getAttribute(".poll", "data-id"));
  });
  observed.poll_before = await pollOf(frame, pollId);
  await step("the frame votes for option 1", () => frame.click(`.poll[data-id="${pollId}"] button.vote[data-option="1"]`));
  observed.poll_after_vote = await step("waiting for the vote in the frame", async () => {
    await frame.waitForFunction((id) => {
      const p = document.querySelector(`.poll[data-id="${id}"]`);
      return p && (p.dataset.voted !== undefined || p.querySelector(".poll-error"));
    }, pollId, { timeout: WAIT_MS });
    return pollOf(frame, pollId);
  });
  observed.screenshots = [await screenshot(page, "embedded_after_vote.png")];

  await step("reloading the customer's page", () => page.reload({ waitUntil: "domcontentloaded", timeout: WAIT_MS }));
  frame = await step("waiting for the watch page in the iframe again", () => watchFrame(page));
  await step("waiting for the frame's chat to open again", () => waitChatOpen(frame));
  observed.stored_device_after_reload = await storedDevice(frame);
  observed.poll_after_reload = await step("waiting for the poll after the reload", async () => {
    await frame.waitForSelector(`.poll[data-id="${pollId}"]`, { timeout: WAIT_MS });
    return pollOf(frame, pollId);
  });
  observed.cookies_stored_after_reload = (await page.context().cookies(url)).map((c) => c.name);

  await frame.fill("#chat-name", "Emma");
  const text = "Hello from the customer's site";
  observed.message_text = text;
  observed.post_error = await step("the frame posts a message", () => post(frame, text));
  observed.message = await step("waiting for the message in the frame", () => waitForMessage(frame, text));
  observed.theme = await themeOf(frame);
  observed.screenshots.push(await screenshot(page, "embedded_after_reload.png"));
}

// The page's last `watch: {json}` report (the page logs one a second and on every change).
const lastReports = new Map();  // page -> report
function followReports(page) {
  page.on("console", (m) => {
    const text = m.text();
    if (!text.startsWith("watch: {")) return;
    try { lastReports.set(page, JSON.parse(text.slice("watch: ".length))); } catch (x) { /* not JSON */ }
  });
}

// Waits until the page's last report satisfies `pred`.
async function waitReport(page, pred, timeout) {
  const deadline = Date.now() + timeout;
  while (!(lastReports.has(page) && pred(lastReports.get(page)))) {
    if (Date.now() > deadline) throw new Error("no such report; the last: " + JSON.stringify(lastReports.get(page) || null));
    await new Promise((r) => setTimeout(r, 100));
  }
}

// What the player shows: the cover (shown and visible, its src and whether its image loaded),
// the video (paused, time), the play button's label, and the page's last report.
function playerOf(page) {
  return page.evaluate(() => {
    const cover = document.getElementById("cover"), video = document.getElementById("video");
    const style = getComputedStyle(cover);
    return {
      cover_shown: cover.classList.contains("shown"),
      cover_visible: style.display !== "none" && style.visibility === "visible" && cover.naturalWidth > 0,
      cover_src: cover.getAttribute("src"),
      cover_loaded: cover.complete && cover.naturalWidth > 0,
      cover_size: [cover.naturalWidth, cover.naturalHeight],
      paused: video.paused,
      ended: video.ended,
      current_time: video.currentTime,
      play_label: document.getElementById("play").getAttribute("aria-label"),
    };
  }).then((seen) => Object.assign(seen, { report: lastReports.get(page) || null }));
}

// Waits until the video has played `seconds` past where it is now (playing, not paused).
async function waitTimeAdvances(page, seconds, timeout) {
  const from = await page.evaluate(() => document.getElementById("video").currentTime);
  await page.waitForFunction(([t0, s]) => {
    const v = document.getElementById("video");
    return !v.paused && v.currentTime >= t0 + s;
  }, [from, seconds], { timeout, polling: 100 });
  return { from, to: await page.evaluate(() => document.getElementById("video").currentTime) };
}

async function pause() {
  const v = await newPage("P");
  followReports(v);
  await step("opening the viewer", () => v.goto(url, { waitUntil: "domcontentloaded", timeout: WAIT_MS }));
  observed.played_before = await step("waiting for the video to play", () => waitTimeAdvances(v, 2, 4 * WAIT_MS));
  observed.before_pause = await playerOf(v);
  await step("pausing with the play/pause button", () => v.click("#play", { timeout: WAIT_MS }));
  observed.paused = await step("waiting for the cover over the paused video", async () => {
    await v.waitForFunction(() => {
      const c = document.getElementById("cover");
      return document.getElementById("video").paused && c.classList.contains("shown") && c.complete && c.naturalWidth > 0;
    }, null, { timeout: WAIT_MS });
    // And the page's report of it (it logs on every change).
    await waitReport(v, (r) => r.cover === "player_pause" && r.cover_loaded, WAIT_MS);
    return playerOf(v);
  });
  // Paused a while: the video stays where it was, the cover stays up.
  await v.waitForTimeout(1000);
  observed.still_paused = await playerOf(v);
  observed.screenshots = [await screenshot(v, "paused.png")];
  await step("playing again with the play/pause button", () => v.click("#play", { timeout: WAIT_MS }));
  observed.played_after = await step("waiting for the video to play again", () => waitTimeAdvances(v, 2, 2 * WAIT_MS));
  await step("waiting for the page's report of it", () => waitReport(v, (r) => r.playing && !r.paused && r.cover === null, WAIT_MS));
  observed.resumed = await playerOf(v);
  observed.screenshots.push(await screenshot(v, "resumed.png"));
}

await runInChromium(outDir, observed, scenario === "embedded" ? embeddedArgs : [], async (b) => {
  browser = b;
  if (scenario === "viewers") await viewers();
  else if (scenario === "embedded") await embedded();
  else if (scenario === "pause") await pause();
  else await host();
});
