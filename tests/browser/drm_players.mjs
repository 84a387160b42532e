// Plays a DRM (cbcs, ClearKey) live of bvlive in Debian's chromium, headless, with
// playwright-core, through EME, and prints ONE JSON object with what the page saw (stdout).
// It asserts nothing beyond bounded waits: tests/integration/test_drm_browser.cpp checks the
// observations. Progress goes to stderr as `interactions: ...` lines (the protocol of
// tests/support/browser_driver.hpp, shared with interactions.mjs).
//
//   node drm_players.mjs URL OUTDIR SCENARIO
//
// hls (URL: the viewer page /watch/ID): the page's hls.js (/assets/hls.min.js) plays; waits
//   until the video's time has advanced 3 s with frames decoded.
// vod (URL: the viewer page of the live's VOD): as hls.
// wrong-key (URL: the viewer page): the same page, but every licence the daemon answers
//   (POST /live/ID/clearkey) reaches the page with each key's bytes inverted (its KID kept);
//   watches for 12 s (or until an error and 3 s more).
// shaka (URL: the live's index.m3u8): Shaka Player (shaka-player.compiled.js from the driver's
//   node_modules) in a page of the daemon's origin (served by a route, /__drm_test/shaka.html),
//   drm.servers["org.w3.clearkey"] = the live's /clearkey with the playlist's query; waits as hls.
//   Shaka 5's HLS parser refuses KEYFORMAT "org.w3.clearkey" (error 4026): the page then loads
//   again with manifest.ignoreDrmInfo and says so (shaka_first_error, shaka_ignored_drm_info).
// shaka-vod (URL: the VOD's index.m3u8): as an application would, the page reads the KID from
//   the playlist (the media playlist's KEYID, else the master's EXT-X-SESSION-KEY), POSTs the
//   ClearKey licence request to the key's URI itself and configures Shaka with
//   drm.clearKeys {kid hex: key hex} and manifest.ignoreDrmInfo (shaka_clear_keys); waits as hls.
//
// Every licence passes through a route, forwarded to the daemon as is: the hls and wrong-key
// cases run the same code but for the inversion. Reported: the licence requests (status,
// request and answer bodies), hls.js errors (hooked by an init script), Shaka's errors, the
// video (time, paused, error, mediaKeys set, decoded/dropped frames) over time.
import fs from "node:fs";
import path from "node:path";

import { WAIT_MS, runInChromium, say, step } from "./driver_common.mjs";

const [url, outDir, scenario] = process.argv.slice(2);
const scenarios = ["hls", "wrong-key", "shaka", "vod", "shaka-vod"];

if (!url || !outDir || !scenarios.includes(scenario)) {
  say("usage: node drm_players.mjs URL OUTDIR " + scenarios.join("|"));
  process.exit(2);
}

const driverDir = process.env.BVLIVE_BROWSER_DRIVER_DIR || "";
const observed = { scenario, url, page_errors: [], dialogs: [], console_errors: [], licences: [], samples: [] };
let browser = null;

// Installed before any script of the page: records every error hls.js reports (window.Hls is
// hooked as hls.min.js defines it) and every Shaka error the page posts to window.__drm.
const initScript = () => {
  window.__drm = { hls_errors: [], shaka_errors: [], hls_instances: 0, video_errors: [] };
  // The video's own errors (hls.js's recovery clears them again).
  document.addEventListener("error", (e) => {
    const v = e.target;
    if (!v || v.tagName !== "VIDEO") return;
    window.__drm.video_errors.push(v.error ? { code: v.error.code, message: v.error.message } : { code: 0, message: "" });
  }, true);
  let Hls;
  Object.defineProperty(window, "Hls", {
    configurable: true,
    get: () => Hls,
    set: (value) => {
      Hls = value;
      if (!value || !value.prototype || value.prototype.__drmHooked) return;
      value.prototype.__drmHooked = true;
      const attach = value.prototype.attachMedia;
      value.prototype.attachMedia = function (media) {
        window.__drm.hls_instances++;
        window.__drm.hls_config = { emeEnabled: this.config.emeEnabled,
                                    drmSystems: JSON.parse(JSON.stringify(this.config.drmSystems || {})) };
        // Each kind once, with how often it came (a failing stream repeats them).
        this.on(value.Events.ERROR, (_, d) => {
          const kind = d.type + "/" + d.details + (d.fatal ? "/fatal" : "");
          const known = window.__drm.hls_errors.find((e) => e.kind === kind);
          if (known) { known.count++; return; }
          window.__drm.hls_errors.push({ kind, type: d.type, details: d.details, fatal: !!d.fatal, count: 1,
                                         reason: d.reason || (d.error && d.error.message) || null });
        });
        return attach.call(this, media);
      };
    },
  });
};

// The inverse of each key in a JWK set (`k` base64url): the right KID, a wrong key.
function invertKeys(licence) {
  for (const key of licence.keys || []) {
    const bytes = Buffer.from(key.k.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    for (let i = 0; i < bytes.length; ++i) bytes[i] ^= 0xff;
    key.k = bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  return licence;
}

// Every licence request goes to the daemon as is; its answer reaches the page as is, or with
// its keys inverted.
async function routeLicences(page, invert) {
  await page.route(/\/clearkey(\?|$)/, async (route) => {
    const request = route.request();
    const seen = { method: request.method(), url: request.url(), request_body: request.postData() };
    observed.licences.push(seen);
    try {
      const response = await route.fetch();
      const body = await response.text();
      seen.status = response.status();
      seen.content_type = response.headers()["content-type"] || null;
      seen.body = body;
      let out = body;
      if (invert && response.status() === 200) {
        out = JSON.stringify(invertKeys(JSON.parse(body)));
        seen.inverted = out;
      }
      await route.fulfill({ response, body: out });
    } catch (e) {
      seen.failure = e && e.message ? e.message : String(e);
      await route.abort().catch(() => {});
    }
  });
}

// What the video shows now.
function sample(page) {
  return page.evaluate(() => {
    const v = document.querySelector("video");
    const q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
    return {
      t: Date.now(),
      current_time: v ? v.currentTime : null,
      paused: v ? v.paused : null,
      ready_state: v ? v.readyState : null,
      width: v ? v.videoWidth : null,
      error: v && v.error ? { code: v.error.code, message: v.error.message } : null,
      media_keys: !!(v && v.mediaKeys),
      frames: q ? q.totalVideoFrames : null,
      dropped: q ? q.droppedVideoFrames : null,
      hls_errors: window.__drm.hls_errors.length,
      video_errors: window.__drm.video_errors.length,
      shaka_errors: window.__drm.shaka_errors.length,
    };
  });
}

// Samples the video every 250 ms until `done(first, last)` or `timeout`; true when done.
async function watch(page, done, timeout) {
  const deadline = Date.now() + timeout;
  let first = null;
  for (;;) {
    const s = await sample(page);
    observed.samples.push(s);
    if (s.current_time > 0 && !s.paused && !first) first = s;
    if (done(first, s)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const played = (seconds) => (first, last) =>
  !!first && last.current_time - first.current_time >= seconds && last.frames > 0 && !last.paused;

// Until it played `seconds`, or the player gave up (a Shaka error: it does not retry); whether it played.
async function waitPlayed(page, seconds) {
  let result = false;
  await watch(page, (first, last) => (result = played(seconds)(first, last)) || last.shaka_errors > 0, 4 * WAIT_MS);
  return result;
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => observed.page_errors.push(e.message));
  page.on("dialog", (d) => { observed.dialogs.push(d.type() + " " + d.message()); d.dismiss().catch(() => {}); });
  page.on("console", (m) => { if (m.type() === "error") observed.console_errors.push(m.text()); });
  await page.addInitScript(initScript);
  return page;
}

async function finish(page) {
  observed.last = observed.samples[observed.samples.length - 1] || null;
  if (observed.samples.length > 60) observed.samples = observed.samples.slice(0, 4).concat(observed.samples.slice(-50));
  const drm = await page.evaluate(() => window.__drm);
  Object.assign(observed, drm);
  const file = path.join(outDir, scenario + ".png");
  await page.screenshot({ path: file, timeout: WAIT_MS });
  observed.screenshots = [file];
}

async function viewerPage(invert) {
  const page = await newPage();
  const reports = [];
  page.on("console", (m) => {
    const text = m.text();
    if (!text.startsWith("watch: {")) return;
    try { reports.push(JSON.parse(text.slice("watch: ".length))); } catch (x) { /* not JSON */ }
  });
  await routeLicences(page, invert);
  await step("opening the viewer page", () => page.goto(url, { waitUntil: "domcontentloaded", timeout: WAIT_MS }));
  if (!invert) {
    observed.played = await step("waiting for the video to play 3 s with frames decoded",
                                 () => waitPlayed(page, 3));
  } else {
    // Until something says it cannot play (3 s more, to see it stays so), or 12 s.
    let failedAt = 0;
    await step("watching the video with a wrong key", () => watch(page, (first, s) => {
      if (!failedAt && (s.error || s.video_errors > 0 || s.hls_errors > 0)) failedAt = s.t;
      return failedAt ? s.t - failedAt >= 3000 : observed.samples[0] && s.t - observed.samples[0].t >= 12000;
    }, 20000));
  }
  await finish(page);
  observed.watch_reports = reports.slice(-3);
  observed.watch_errors = [...new Set(reports.map((r) => r.error).filter((e) => e))];
}

const shakaHtml = (src, licence, clearKeys) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Shaka DRM</title>
<script src="/__drm_test/shaka-player.compiled.js"></script></head>
<body style="margin:0;background:#000"><video id="video" muted autoplay playsinline width="640" height="360"></video>
<script>
// The playlist's key (the first media playlist's #EXT-X-KEY, else the master's
// #EXT-X-SESSION-KEY): its KEYID and licence URL (URI, relative to its playlist); then the W3C
// ClearKey licence for that KID, POSTed to it; the KID and key as hex, for drm.clearKeys.
async function fetchClearKey(masterUrl) {
  const text = async (u) => { const r = await fetch(u); if (!r.ok) throw new Error(u + ": " + r.status); return r.text(); };
  const attr = (line, name) => { const m = new RegExp("[:,]" + name + "=(\\"[^\\"]*\\"|[^,]*)").exec(line);
                                 return m ? m[1].replace(/^"|"$/g, "") : ""; };
  const keyOf = (body, tag, base) => {
    const line = body.split(/\\r?\\n/).find((l) => l.startsWith(tag) && attr(l, "KEYFORMAT") === "org.w3.clearkey");
    return line ? { line, kid: attr(line, "KEYID").replace(/^0x/i, "").toLowerCase(), uri: new URL(attr(line, "URI"), base).href } : null;
  };
  const master = await text(masterUrl);
  let key = null, from = "";
  if (master.includes("#EXT-X-STREAM-INF")) {
    const lines = master.split(/\\r?\\n/);
    const uri = lines[lines.findIndex((l) => l.startsWith("#EXT-X-STREAM-INF")) + 1];
    const mediaUrl = new URL(uri, masterUrl).href;
    key = keyOf(await text(mediaUrl), "#EXT-X-KEY:", mediaUrl); from = "EXT-X-KEY";
  } else {
    key = keyOf(master, "#EXT-X-KEY:", masterUrl); from = "EXT-X-KEY";
  }
  if (!key) { key = keyOf(master, "#EXT-X-SESSION-KEY:", masterUrl); from = "EXT-X-SESSION-KEY"; }
  if (!key || !/^[0-9a-f]{32}$/.test(key.kid)) throw { code: "no-key", data: key };
  const hexToB64url = (h) => btoa(String.fromCharCode(...h.match(/../g).map((x) => parseInt(x, 16))))
                               .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const b64urlToHex = (b) => Array.from(atob(b.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  const kid64 = hexToB64url(key.kid);
  const r = await fetch(key.uri, { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify({ kids: [kid64], type: "temporary" }) });
  if (!r.ok) throw { code: "licence", data: r.status };
  const licence = await r.json();
  const jwk = (licence.keys || []).find((k) => k.kid === kid64);
  if (!jwk) throw { code: "licence-without-kid", data: licence };
  return { kid: key.kid, key: b64urlToHex(jwk.k),
           report: { from, kid: key.kid, licence_url: key.uri, licence_status: r.status } };
}
(async () => {
  const video = document.getElementById("video");
  shaka.polyfill.installAll();
  window.__drm.shaka_supported = shaka.Player.isBrowserSupported();
  const player = new shaka.Player();
  window.__player = player;
  player.addEventListener("error", (e) => window.__drm.shaka_errors.push({
    code: e.detail.code, category: e.detail.category, data: JSON.stringify(e.detail.data).slice(0, 400) }));
  await player.attach(video);
  try {
    if (${JSON.stringify(clearKeys)}) {
      // As an application would for a VOD: the KID from the playlist, the licence from the
      // daemon by the page itself, the key handed to Shaka as drm.clearKeys (which Shaka
      // applies to every variant, live or not, lib/drm/drm_engine.js configureClearKey), the
      // playlist's keys ignored (Shaka 5 refuses KEYFORMAT "org.w3.clearkey", error 4026).
      const ck = await fetchClearKey(${JSON.stringify(src)});
      window.__drm.shaka_clear_keys = ck.report;
      player.configure({ manifest: { ignoreDrmInfo: true }, drm: { clearKeys: { [ck.kid]: ck.key } } });
      await player.load(${JSON.stringify(src)});
      window.__drm.shaka_ignored_drm_info = true;
    } else {
      player.configure({ drm: { servers: { "org.w3.clearkey": ${JSON.stringify(licence)} } } });
    try {
      await player.load(${JSON.stringify(src)});
    } catch (e) {
      // 4026 HLS_KEYFORMATS_NOT_SUPPORTED: Shaka's HLS parser knows no KEYFORMAT
      // "org.w3.clearkey" (lib/hls/hls_parser.js). Then the playlist's keys are ignored and
      // Shaka goes by the init segments' pssh and the configured server (a live).
      if (e.code !== 4026) throw e;
      window.__drm.shaka_first_error = { code: e.code, category: e.category };
      player.configure({ manifest: { ignoreDrmInfo: true } });
      await player.load(${JSON.stringify(src)});
      window.__drm.shaka_ignored_drm_info = true;
    }
    }
    window.__drm.shaka_loaded = true;
    window.__drm.shaka_key_system = player.keySystem();
    const info = player.drmInfo();
    window.__drm.shaka_drm_info = info ? { keySystem: info.keySystem, licenseServerUri: info.licenseServerUri } : null;
    window.__drm.shaka_version = shaka.Player.version;
    video.play().catch(() => {});
  } catch (e) {
    window.__drm.shaka_errors.push({ code: e.code, category: e.category, load: true,
                                     data: JSON.stringify(e.data || null).slice(0, 400) });
  }
})();
</script></body></html>`;

async function shakaPage() {
  const src = new URL(url);
  const licence = new URL(src.href);
  licence.pathname = licence.pathname.replace(/[^/]*$/, "clearkey");
  const script = path.join(driverDir, "node_modules/shaka-player/dist/shaka-player.compiled.js");
  if (!fs.existsSync(script)) throw new Error("no " + script + ": build the browser_driver target");
  const page = await newPage();
  await page.route(src.origin + "/__drm_test/**", (route) => {
    const name = new URL(route.request().url()).pathname.split("/").pop();
    if (name === "shaka.html")
      return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8",
                             body: shakaHtml(src.href, licence.href, scenario === "shaka-vod") });
    if (name === "shaka-player.compiled.js")
      return route.fulfill({ status: 200, contentType: "text/javascript", path: script });
    return route.fulfill({ status: 404, body: "" });
  });
  await routeLicences(page, false);
  await step("opening the Shaka page", () => page.goto(src.origin + "/__drm_test/shaka.html",
                                                       { waitUntil: "domcontentloaded", timeout: WAIT_MS }));
  observed.played = await step("waiting for the video to play 3 s with frames decoded",
                               () => waitPlayed(page, 3));
  await finish(page);
}

await runInChromium(outDir, observed, [], async (b) => {
  browser = b;
  if (scenario.startsWith("shaka")) await shakaPage();
  else await viewerPage(scenario === "wrong-key");
});
