// Checks bvlive's OpenAPI document against the OpenAPI 3.1 schema and against a real bvlived:
//   node tests/api/check_openapi.mjs DOC BASE_URL ADMIN_KEY IMAGE [--max-upload-bytes N] [--video MP4]
// DOC is share/openapi/bvlive-api.json, BASE_URL the API listener (http://127.0.0.1:PORT),
// ADMIN_KEY an admin-scoped API key (bvlive apikey create --scope admin), IMAGE a small image
// (PNG or JPEG) to upload to the library. With --max-upload-bytes (the daemon's
// [api] max_upload_bytes) an upload one byte larger must be refused with 413. With --video (a
// short H.264/AAC MP4) a simulive of it is played, so that sessions are checked with one.
//
// It (1) validates the document (@seriousme/openapi-schema-validator), compiles every schema
// with Ajv (JSON Schema 2020-12, strict) and validates the document's own examples; (2) checks
// that GET /bv/cms/v1/openapi.json serves the same document; (3) walks every operation against
// the daemon, which should be fresh (no lives, no library items): it creates the lives of the
// create examples, uploads IMAGE, sends the other examples with the ids the answers gave, and
// drives the lives through their lifecycle; also error cases (400, 401, 403, 404, 405, 409,
// 413, 415, 429) and, for every operation, a request without a key (401) and, for those that
// need more than read, one with a read key (403). Every answer's status must be documented for
// its operation, with the headers it documents, and its body must match the documented schema.
// Every operation must answer 2xx at least once and every request example must be sent. A 429
// of the key's rate limit is checked like any answer, and the request sent again after its
// Retry-After. One line per check, then "N passed, M failed"; exits 1 when any failed.
//
// Ajv and the validator come from NODE_PATH (the build's api-validator/node_modules,
// cmake/api_validator.cmake), or BVLIVE_API_VALIDATOR_DIR/node_modules, or beside this script.
import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";

const args = process.argv.slice(2);
let maxUploadBytes = null;
let videoPath = null;
for (let i = 0; i < args.length; ++i)
  if (args[i] === "--max-upload-bytes" || args[i] === "--video") {
    if (args[i] === "--video") videoPath = args[i + 1];
    else maxUploadBytes = Number(args[i + 1]);
    args.splice(i, 2);
    --i;
  }
const [docPath, baseUrl, adminKey, imagePath] = args;
if (!docPath || !baseUrl || !adminKey || !imagePath || (maxUploadBytes !== null && !(maxUploadBytes > 0)) || videoPath === undefined) {
  process.stderr.write("usage: node check_openapi.mjs DOC BASE_URL ADMIN_KEY IMAGE [--max-upload-bytes N] [--video MP4]\n");
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Modules.

function loader() {
  const tries = [];
  if (process.env.BVLIVE_API_VALIDATOR_DIR) tries.push(path.join(process.env.BVLIVE_API_VALIDATOR_DIR, "package.json"));
  tries.push(import.meta.url);  // NODE_PATH, then node_modules beside the script
  return (name) => {
    for (const from of tries) {
      try {
        return createRequire(from).resolve(name);
      } catch (e) { /* next */ }
    }
    process.stderr.write(`check_openapi: cannot find ${name}: build the api_validator target ` +
      "(share/scripts/npm-install.sh tests/api DIR ajv dist/2020.js) and run with NODE_PATH=DIR/node_modules\n");
    process.exit(2);
  };
}
const resolve = loader();
const requireFrom = createRequire(import.meta.url);
const Ajv2020 = requireFrom(resolve("ajv/dist/2020")).default;
const addFormats = requireFrom(resolve("ajv-formats")).default;
// ESM only: imported from the file require.resolve finds.
const { Validator } = await import(pathToFileURL(resolve("@seriousme/openapi-schema-validator")).href);

// ---------------------------------------------------------------------------
// Reporting.

let passed = 0;
let failed = 0;
const failures = [];
function ok(what) {
  ++passed;
  console.log(`ok   ${what}`);
}
function fail(what, why) {
  ++failed;
  failures.push(what);
  console.log(`FAIL ${what}`);
  for (const line of String(why).split("\n")) console.log(`       ${line}`);
}
function check(what, cond, why) {
  if (cond) ok(what);
  else fail(what, typeof why === "function" ? why() : why);
  return cond;
}
class Abort extends Error {}
// A value the walk cannot go on without.
function need(value, what) {
  if (value === undefined || value === null) {
    fail(what, "missing; the checks that depend on it cannot run");
    throw new Abort(what);
  }
  return value;
}
const short = (value, n = 600) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text && text.length > n ? text.slice(0, n) + "..." : text;
};

// ---------------------------------------------------------------------------
// The document: OpenAPI validation, schemas, examples.

const docText = fs.readFileSync(docPath, "utf8");
const doc = JSON.parse(docText);
{
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  check(`document ${docPath} is valid OpenAPI ${doc.openapi}`, result.valid && doc.openapi?.startsWith("3.1"),
        () => (result.valid ? `openapi is ${doc.openapi}, not 3.1.x` : JSON.stringify(result.errors, null, 2)));
}

const SCHEMAS_ID = "urn:bvlive:openapi:schemas";
// "#/components/schemas/X" -> the Ajv schema that holds them all.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/"))
      out[k] = `${SCHEMAS_ID}#/$defs/${v.slice("#/components/schemas/".length)}`;
    else out[k] = rewriteRefs(v);
  }
  return out;
}
// Any "#/..." reference of the document (parameters, responses, headers, schemas).
function deref(node) {
  let n = node;
  for (let i = 0; n && n.$ref && i < 10; ++i) {
    if (!n.$ref.startsWith("#/")) throw new Error(`external $ref ${n.$ref}`);
    n = n.$ref.slice(2).split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
      .reduce((o, key) => (o === undefined ? undefined : o[key]), doc);
  }
  return n;
}

// Strict (unknown keywords, types) but for strictRequired: a required name may be defined by
// a schema of allOf (LiveInput).
const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: SCHEMAS_ID, $defs: rewriteRefs(doc.components?.schemas ?? {}) });
const compiled = new Map();
function validatorOf(schema) {
  if (!compiled.has(schema)) compiled.set(schema, ajv.compile(rewriteRefs(schema)));
  return compiled.get(schema);
}
// null when `value` matches `schema`, else Ajv's errors as text.
function schemaErrors(schema, value) {
  let validate;
  try {
    validate = validatorOf(schema);
  } catch (e) {
    return `the schema does not compile: ${e.message}`;
  }
  if (validate(value)) return null;
  return validate.errors.map((e) => `${e.instancePath || "(root)"} ${e.message}` +
    (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "")).join("\n");
}
{
  const bad = [];
  for (const name of Object.keys(doc.components?.schemas ?? {})) {
    try {
      ajv.getSchema(`${SCHEMAS_ID}#/$defs/${name}`) || bad.push(`${name}: not found`);
    } catch (e) {
      bad.push(`${name}: ${e.message}`);
    }
  }
  check(`every schema of components.schemas compiles with Ajv2020 in strict mode (${Object.keys(doc.components.schemas).length})`,
        bad.length === 0, bad.join("\n"));
}

// The operations: method, template, operation object; and a matcher from real paths.
const operations = [];
for (const [template, item] of Object.entries(doc.paths))
  for (const method of ["get", "put", "post", "delete", "patch", "head", "options", "trace"]) {
    if (!item[method]) continue;
    const params = [...(item.parameters ?? []), ...(item[method].parameters ?? [])].map(deref);
    const regex = new RegExp("^" + template.split(/(\{[^}]+\})/).map((part) =>
      part.startsWith("{") ? "([^/:]+)" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("") + "$");
    operations.push({ id: item[method].operationId, method: method.toUpperCase(), template, op: item[method], params, regex,
                      exercised: 0, succeeded: 0 });
  }
const byId = new Map(operations.map((o) => [o.id, o]));
const serverUrl = new URL(doc.servers?.[0]?.url ?? "http://127.0.0.1/");
const basePath = serverUrl.pathname.replace(/\/$/, "");
check(`the server URL's path is /bv/cms/v1 (${doc.servers?.[0]?.url})`, basePath === "/bv/cms/v1", basePath);

{
  const problems = [];
  const ids = new Set();
  for (const o of operations) {
    const where = `${o.method} ${o.template}`;
    if (!o.id) problems.push(`${where}: no operationId`);
    if (ids.has(o.id)) problems.push(`${where}: operationId ${o.id} is used twice`);
    ids.add(o.id);
    const scope = o.op["x-required-scope"];
    if (!["none", "read", "write", "admin"].includes(scope)) problems.push(`${where}: x-required-scope is ${scope}`);
    const codes = Object.keys(o.op.responses ?? {});
    if (!codes.some((c) => c.startsWith("2"))) problems.push(`${where}: no 2xx answer documented`);
    if (codes.includes("default")) problems.push(`${where}: a default answer would document every status`);
    if (scope === "none" && !isDeepStrictEqual(o.op.security, [])) problems.push(`${where}: scope none but security is not []`);
    if (scope !== "none" && !codes.includes("401")) problems.push(`${where}: 401 not documented`);
    if ((scope === "write" || scope === "admin") && !codes.includes("403")) problems.push(`${where}: 403 not documented`);
    for (const [status, response] of Object.entries(o.op.responses ?? {})) {
      const r = deref(response);
      const schema = r?.content?.["application/json"]?.schema;
      if (!schema) problems.push(`${where} ${status}: no application/json schema`);
      else if (!status.startsWith("2")) {
        const e = schemaErrors(schema, { error: { code: "x", message: "m", details: {} } });
        if (!e) problems.push(`${where} ${status}: its schema takes any error code`);
      }
    }
  }
  check(`every operation has an operationId, x-required-scope and a schema for each status (${operations.length} operations)`,
        problems.length === 0, problems.join("\n"));
}
{
  const problems = [];
  let n = 0;
  for (const o of operations) {
    for (const p of o.params) {
      if (p.example === undefined) continue;
      ++n;
      const e = schemaErrors(p.schema, p.example);
      if (e) problems.push(`${o.id} parameter ${p.name} example ${JSON.stringify(p.example)}: ${e}`);
    }
    const body = deref(o.op.requestBody);
    for (const [type, media] of Object.entries(body?.content ?? {}))
      for (const [name, example] of Object.entries(media.examples ?? {})) {
        ++n;
        const e = schemaErrors(media.schema, deref(example).value);
        if (e) problems.push(`${o.id} ${type} example ${name}: ${e}`);
      }
  }
  check(`the document's examples match their schemas (${n} examples)`, problems.length === 0, problems.join("\n"));
}
const examplesOf = (id) => {
  const o = byId.get(id);
  const content = deref(o?.op.requestBody)?.content ?? {};
  const media = content["application/json"] ?? Object.values(content)[0] ?? {};
  return Object.fromEntries(Object.entries(media.examples ?? {}).map(([k, v]) => [k, deref(v).value]));
};
const paramExample = (id, name) => byId.get(id)?.params.find((p) => p.name === name)?.example;
// Every request body example must be sent: "operationId example" -> sent with a 2xx answer.
const examplesSent = new Map();
for (const o of operations)
  for (const name of Object.keys(examplesOf(o.id))) examplesSent.set(`${o.id} example ${name}`, false);

// ---------------------------------------------------------------------------
// HTTP.

const base = new URL(baseUrl);
// One request; never throws for an HTTP answer. `body`: a Buffer or string sent as is.
function send(method, urlPath, { headers = {}, body = null } = {}) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path: urlPath, headers, timeout: 30000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolvePromise({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer to ${method} ${urlPath} in 30 s`)));
    let answered = false;
    req.on("response", () => { answered = true; });
    // The daemon may answer (413) and close before taking the whole body: that is its answer.
    req.on("error", (e) => { if (!answered) reject(e); });
    if (body !== null) req.end(body);
    else req.end();
  });
}

const keys = { admin: adminKey, read: null, revoked: null };
let rateLimited = 0;
const operationOf = (method, relPath) => operations.find((x) => x.method === method && x.regex.test(relPath));
// What is wrong with an answer for the document: a JSON body, a status documented for the
// operation (by method and path), the headers it says, the body matching its schema.
function documentedAnswerProblems(method, relPath, res) {
  const problems = [];
  let parsed = null;
  if (!/^application\/json\b/.test(res.headers["content-type"] ?? ""))
    problems.push(`Content-Type is ${res.headers["content-type"]}, not application/json`);
  try {
    parsed = JSON.parse(res.text);
  } catch (e) {
    problems.push(`the body is not JSON: ${short(res.text, 200)}`);
  }
  const o = operationOf(method, relPath);
  let schema = null;
  if (o) {
    const response = o.op.responses[String(res.status)];
    if (!response) problems.push(`status ${res.status} is not documented for ${o.id} (${Object.keys(o.op.responses).join(", ")})`);
    else {
      schema = deref(response).content?.["application/json"]?.schema;
      for (const [name, h] of Object.entries(deref(response).headers ?? {}))
        if (deref(h).required && res.headers[name.toLowerCase()] === undefined) problems.push(`header ${name} is missing`);
    }
  } else if (res.status >= 400) {
    schema = { $ref: "#/components/schemas/Error" };  // no such operation: still the one error shape
  } else {
    problems.push(`no operation of the document matches ${method} ${relPath}`);
  }
  if (schema && parsed !== null) {
    const e = schemaErrors(schema, parsed);
    if (e) problems.push(`the body does not match the documented schema:\n${e}`);
  }
  return problems;
}
// Calls the API and checks the answer: the status is `expect` (a number or a list), it is
// documented for the operation (found by method and path), and the body matches its schema.
// Returns the parsed body (or null). `what` names the check.
async function api(what, method, relPath, opts = {}) {
  const { key = keys.admin, json, raw, contentType, query, expect = 200, extraHeaders = {}, example } = opts;
  const headers = { ...extraHeaders };
  if (key) headers.Authorization = `Bearer ${key}`;
  let body = null;
  if (json !== undefined) {
    body = Buffer.from(JSON.stringify(json));
    headers["Content-Type"] = contentType ?? "application/json";
  } else if (raw !== undefined) {
    body = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    if (contentType) headers["Content-Type"] = contentType;
  }
  if (body !== null) headers["Content-Length"] = body.length;
  const qs = query ? "?" + new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString() : "";
  const urlPath = basePath + relPath + qs;
  const label = `${what}: ${method} ${urlPath}`;
  const expected = Array.isArray(expect) ? expect : [expect];
  let res;
  for (let attempt = 0; ; ++attempt) {
    try {
      res = await send(method, urlPath, { headers, body });
    } catch (e) {
      fail(label, e.message);
      return null;
    }
    // The key's rate limit ([api] rate_limit, rate_burst): the 429 is checked as any answer
    // (documented, Error, Retry-After), then the request is sent again once Retry-After has passed.
    if (res.status !== 429 || expected.includes(429) || attempt === 5) break;
    const wait = Number(res.headers["retry-after"]);
    check(`${label} -> 429 rate_limited with Retry-After (${res.headers["retry-after"]}); sent again after it`,
          Number.isInteger(wait) && wait >= 0 && wait <= 60 && documentedAnswerProblems(method, relPath, res).length === 0,
          () => [`Retry-After: ${res.headers["retry-after"]}`, ...documentedAnswerProblems(method, relPath, res)].join("\n"));
    rateLimited++;
    await new Promise((r) => setTimeout(r, Math.min(Math.max(wait, 1), 10) * 1000));
  }
  const problems = [];
  if (!expected.includes(res.status)) problems.push(`status ${res.status}, expected ${expected.join(" or ")}`);
  problems.push(...documentedAnswerProblems(method, relPath, res));
  const o = operationOf(method, relPath);
  let parsed = null;
  try {
    parsed = JSON.parse(res.text);
  } catch (e) { /* reported */ }
  if (o && problems.length === 0) {
    o.exercised++;
    if (res.status >= 200 && res.status < 300) o.succeeded++;
  }
  if (example && o && problems.length === 0 && res.status < 300) examplesSent.set(`${o.id} example ${example}`, true);
  if (problems.length) fail(label, problems.join("\n") + `\nanswer ${res.status}: ${short(res.text)}`);
  else ok(`${label} -> ${res.status}`);
  api.last = res;
  return parsed;
}
const errorOf = (body) => body?.error ?? {};

// ---------------------------------------------------------------------------
// The walk.

async function documentServed() {
  const res = await send("GET", basePath + "/openapi.json");
  const o = byId.get("getOpenApiDocument");
  let served = null;
  try {
    served = JSON.parse(res.text);
  } catch (e) { /* reported below */ }
  if (check("GET /bv/cms/v1/openapi.json without a key -> 200 JSON", res.status === 200 && served !== null,
            `status ${res.status}: ${short(res.text, 300)}`) && o) {
    o.exercised++;
    o.succeeded++;
  }
  check("the served document equals " + docPath, isDeepStrictEqual(served, doc),
        () => {
          if (!served) return "nothing to compare";
          const diff = [];
          const walk = (a, b, at) => {
            if (diff.length > 10) return;
            if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== "object") {
              if (!isDeepStrictEqual(a, b)) diff.push(`${at || "(root)"}: file ${short(a, 80)} vs served ${short(b, 80)}`);
              return;
            }
            for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], `${at}/${k}`);
          };
          walk(doc, served, "");
          return diff.join("\n");
        });
  check("the served document is byte for byte the file", res.text === docText,
        `${res.text.length} bytes served, ${docText.length} in the file`);
}

async function walk() {
  await documentServed();

  // The daemon and the keys.
  const status = await api("status", "GET", "/status");
  check("status: listeners.api is the port this check talks to", String(status?.listeners?.api) === String(base.port),
        `listeners: ${short(status?.listeners)}`);
  const list = await api("list API keys", "GET", "/apikeys");
  const adminRow = list?.apikeys?.find((k) => adminKey.startsWith(k.prefix));
  check("list API keys: the admin key is listed (by its prefix), scope admin, never the key itself",
        adminRow?.scope === "admin" && !JSON.stringify(list).includes(adminKey), short(list));
  const adminName = adminRow?.name;
  const readerExample = examplesOf("createApiKey").reader;
  const created = await api("create API key (example reader)", "POST", "/apikeys", { json: readerExample, example: "reader" });
  keys.read = need(created?.apikey?.key, "the read key of POST /apikeys");
  check("create API key: the answer has the name and scope asked for",
        created.apikey.name === readerExample.name && created.apikey.scope === readerExample.scope, short(created));
  await api("create API key: the same name again", "POST", "/apikeys", { json: readerExample, expect: 409 });
  await api("create API key: a bad name", "POST", "/apikeys", { json: { name: "not a name!", scope: "read" }, expect: 400 });
  await api("create API key: a bad scope", "POST", "/apikeys", { json: { name: "other", scope: "root" }, expect: 400 });
  await api("status with the read key", "GET", "/status", { key: keys.read });

  // The library.
  const image = fs.readFileSync(imagePath);
  const ext = path.extname(imagePath).toLowerCase();
  const imageType = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg" }[ext] ?? "application/octet-stream";
  const uploaded = await api("upload the image", "POST", "/library", {
    raw: image, contentType: imageType,
    query: { name: paramExample("uploadLibraryItem", "name") ?? "Logo", filename: path.basename(imagePath) },
  });
  const libId = need(uploaded?.item?.id, "the library id of the uploaded image");
  check("upload: the item is an image of the file's size", uploaded.item.kind === "image" && uploaded.item.size_bytes === image.length,
        short(uploaded));
  const notMedia = await api("upload a file that is not media", "POST", "/library", {
    raw: "this is not a picture", contentType: "text/plain", query: { filename: "notes.txt" }, expect: 400,
  });
  check("upload a file that is not media: invalid_params, details.path body", errorOf(notMedia).details?.path === "body", short(notMedia));
  await api("upload an empty body", "POST", "/library", { raw: "", contentType: "image/png", query: { filename: "empty.png" }, expect: 400 });
  const libs = await api("list the library", "GET", "/library");
  check("list the library: the upload is there", libs?.items?.some((i) => i.id === libId), short(libs));
  await api("get the library item", "GET", `/library/${libId}`);
  await api("get a library item that does not exist", "GET", "/library/lib_nosuchitem0", { expect: 404 });
  if (maxUploadBytes !== null)
    await api(`upload ${maxUploadBytes + 1} bytes ([api] max_upload_bytes is ${maxUploadBytes})`, "POST", "/library", {
      raw: Buffer.alloc(maxUploadBytes + 1, 0x41), contentType: "application/octet-stream",
      query: { name: "too-big", filename: "too-big.mp4" }, expect: 413,
    });

  // Lives: one per create example.
  const lives = {};
  const createExamples = examplesOf("createLive");
  for (const [name, body] of Object.entries(createExamples)) {
    const r = await api(`create live (example ${name})`, "POST", "/lives", { json: body, example: name });
    if (!r?.live) continue;
    lives[body.live.custom_id ?? name] = r.live;
    check(`create live (example ${name}): the answer is the live asked for, with its urls`,
          r.live.name === body.live.name && (body.live.custom_id === undefined || r.live.custom_id === body.live.custom_id) &&
          typeof r.live.urls?.rtmp === "string" && typeof r.live.urls?.playback === "string",
          short(r.live, 400));
  }
  const sunday = need(lives["sunday-service"], "the live of the create example sunday_service");
  const town = need(lives["town-hall"], "the live of the create example catchup_vod");
  const launch = need(lives["product-launch"], "the live of the create example scheduled");
  check("create: a live without scheduled_at answers WAIT_FOR_PREVIEW, a scheduled one SCHEDULED",
        sunday.state === "WAIT_FOR_PREVIEW" && town.state === "WAIT_FOR_PREVIEW" && launch.state === "SCHEDULED",
        `${sunday.state}, ${town.state}, ${launch.state}`);
  const total = Object.keys(lives).length;

  // Create: errors.
  const dup = await api("create live: a custom_id already used", "POST", "/lives", { json: createExamples.sunday_service, expect: 409 });
  check("create live: the 409 names live.custom_id", errorOf(dup).code === "conflict" && errorOf(dup).details?.path === "live.custom_id",
        short(dup));
  const badPrivacy = await api("create live: a privacy type that does not exist", "POST", "/lives", {
    json: { live: { name: "Bad privacy", security: { privacy: { type: "SECURITY_PRIVACY_TYPE_NOPE" } } } }, expect: 400,
  });
  check("create live: the 400 is invalid_params with details.path live.security.privacy.type",
        errorOf(badPrivacy).code === "invalid_params" && errorOf(badPrivacy).details?.path === "live.security.privacy.type",
        short(badPrivacy));
  const unknownField = await api("create live: an unknown field", "POST", "/lives", { json: { live: { name: "x", colour: "red" } }, expect: 400 });
  check("create live: the 400 names live.colour", errorOf(unknownField).details?.path === "live.colour", short(unknownField));
  const notJson = await api("create live: a body that is not JSON", "POST", "/lives", { raw: "{\"live\": {", contentType: "application/json", expect: 400 });
  check("create live: the 400 is parse_error", errorOf(notJson).code === "parse_error", short(notJson));
  await api("create live: a body that is not an object", "POST", "/lives", { raw: "[1,2]", contentType: "application/json", expect: 400 });
  await api("create live: Content-Type text/plain", "POST", "/lives", {
    raw: JSON.stringify(createExamples.sunday_service), contentType: "text/plain", expect: 415,
  });
  const denied = await api("create live with the read key", "POST", "/lives", { key: keys.read, json: createExamples.sunday_service, expect: 403 });
  check("create live with the read key: details.scope is write, details.key_scope read",
        errorOf(denied).code === "permission_denied" && errorOf(denied).details?.scope === "write" && errorOf(denied).details?.key_scope === "read",
        short(denied));
  await api("create live without a key", "POST", "/lives", { key: null, json: createExamples.sunday_service, expect: 401 });
  check("the 401 says WWW-Authenticate: Bearer realm=\"bvlive\"", /^Bearer realm="bvlive"/.test(api.last?.headers["www-authenticate"] ?? ""),
        `WWW-Authenticate: ${api.last?.headers["www-authenticate"]}`);
  await api("create live with a key that does not exist", "POST", "/lives", {
    key: "bvk_" + "0".repeat(40), json: createExamples.sunday_service, expect: 401,
  });
  await api("create live with a malformed Authorization", "GET", "/lives", { key: null, extraHeaders: { Authorization: "Basic Zm9vOmJhcg==" }, expect: 401 });

  // List, with pages and filters.
  const all = await api("list lives", "GET", "/lives");
  check(`list lives: the ${total} lives, total_size ${total}, no next page`,
        all?.lives?.length === total && all.total_size === total && all.next_page_token === undefined, short(all));
  const pageSize = paramExample("listLives", "page_size");
  const page1 = await api(`list lives, page_size ${pageSize}`, "GET", "/lives", { query: { page_size: pageSize } });
  check(`list lives, page 1: ${pageSize} lives and a next_page_token`,
        page1?.lives?.length === pageSize && typeof page1.next_page_token === "string" && page1.total_size === total, short(page1));
  if (page1?.next_page_token) {
    const page2 = await api("list lives, page 2 (page_token)", "GET", "/lives", { query: { page_size: pageSize, page_token: page1.next_page_token } });
    const ids = [...(page1.lives ?? []), ...(page2?.lives ?? [])].map((l) => l.id);
    check("list lives, page 2: the rest, no next_page_token, no live twice",
          page2?.lives?.length === total - pageSize && page2.next_page_token === undefined && new Set(ids).size === total, short(page2));
  }
  const byState = await api("list lives, state filter (example, any case)", "GET", "/lives", {
    query: { state: String(paramExample("listLives", "state")).toLowerCase() },
  });
  check("list lives by state: the two lives in WAIT_FOR_PREVIEW",
        byState?.lives?.length === 2 && byState.lives.every((l) => l.state === "WAIT_FOR_PREVIEW") && byState.total_size === 2, short(byState));
  const byType = await api("list lives, type filter (example)", "GET", "/lives", { query: { type: paramExample("listLives", "type") } });
  check("list lives by type: all of them", byType?.lives?.length === total, short(byType));
  const simulives = await api("list lives, type LIVE_TYPE_SIMULIVE", "GET", "/lives", { query: { type: "LIVE_TYPE_SIMULIVE" } });
  check("list lives by type: no simulive", simulives?.lives?.length === 0 && simulives.total_size === 0, short(simulives));
  await api("list lives, a state that does not exist", "GET", "/lives", { query: { state: "NOPE" }, expect: 400 });
  await api("list lives, page_size 0", "GET", "/lives", { query: { page_size: 0 }, expect: 400 });
  await api("list lives, page_size 1001", "GET", "/lives", { query: { page_size: 1001 }, expect: 400 });
  await api("list lives, a page_token that was never given", "GET", "/lives", { query: { page_token: "garbage" }, expect: 400 });
  const unknownQuery = await api("list lives, an unknown query parameter", "GET", "/lives", { query: { colour: "red" }, expect: 400 });
  check("list lives: the 400 names the parameter", errorOf(unknownQuery).details?.path === "colour", short(unknownQuery));
  await api("list lives with the read key", "GET", "/lives", { key: keys.read });

  // Get.
  const byCustomId = await api("get live by custom_id (the parameter's example)", "GET", `/lives/${paramExample("getLive", "id")}`);
  check("get live by custom_id: the live created", byCustomId?.live?.id === sunday.id, short(byCustomId?.live?.id));
  await api("get live by id", "GET", `/lives/${sunday.id}`);
  const missing = await api("get a live that does not exist", "GET", "/lives/no-such-live", { expect: 404 });
  check("get a live that does not exist: not_found", errorOf(missing).code === "not_found", short(missing));

  // Update (reuse_vod comes with the VODs, below).
  const updateExamples = examplesOf("updateLive");
  for (const [name, example] of Object.entries(updateExamples)) {
    if (name === "reuse_vod") continue;
    const body = JSON.parse(JSON.stringify(example).replaceAll(paramExample("getLibraryItem", "id"), libId));
    const r = await api(`update live (example ${name})`, "PATCH", `/lives/${sunday.id}`, { json: body, example: name });
    check(`update live (example ${name}): changed names ${Object.keys(body.live).join(", ")}`,
          Object.keys(body.live).every((k) => r?.changed?.includes(k)), short(r?.changed));
  }
  const patched = await api("update live, Content-Type application/merge-patch+json", "PATCH", `/lives/${sunday.id}`, {
    json: { live: { metadata: { long_description: null } } }, contentType: "application/merge-patch+json",
  });
  check("update live: the merge patch removed long_description and kept the name",
        patched?.live?.metadata?.long_description === "" && patched.live.name === examplesOf("updateLive").rename?.live?.name,
        short(patched?.live?.metadata));
  check("update live: geo_control was removed by null", isDeepStrictEqual(patched?.live?.security?.geo_control, []),
        short(patched?.live?.security));
  const badPatch = await api("update live: an enabled chatroom without a theme", "PATCH", `/lives/${sunday.id}`, {
    json: { live: { interaction: { chatroom: { vod: { enabled: true } } } } }, expect: 400,
  });
  check("update live: the 400 names live.interaction.chatroom.vod.theme",
        errorOf(badPatch).details?.path === "live.interaction.chatroom.vod.theme", short(badPatch));
  await api("update live: Content-Type text/plain", "PATCH", `/lives/${sunday.id}`, { raw: "{\"live\":{}}", contentType: "text/plain", expect: 415 });
  await api("update a live that does not exist", "PATCH", "/lives/no-such-live", { json: { live: { name: "x" } }, expect: 404 });
  const used = await api("get the library item, now used as a cover", "GET", `/library/${libId}`);
  check("the library item is used by the live's end cover", used?.item?.used_by?.some((u) => u.path === "cover_images.end.customize.library_id"),
        short(used?.item?.used_by));
  const inUse = await api("delete the library item while a live uses it", "DELETE", `/library/${libId}`, { expect: 409 });
  check("delete a library item in use: details.used_by", Array.isArray(errorOf(inUse).details?.used_by), short(inUse));

  // Playback tokens.
  for (const [name, body] of Object.entries(examplesOf("createPlaybackToken"))) {
    const r = await api(`playback token (example ${name})`, "POST", `/lives/${sunday.id}/tokens`, { json: body, example: name });
    if (body.device_limit) check(`playback token (example ${name}): device_limit ${body.device_limit}`, r?.token?.device_limit === body.device_limit, short(r));
  }
  await api("playback token without a body", "POST", `/lives/${launch.id}/tokens`);
  await api("playback token: ttl_ms 0", "POST", `/lives/${sunday.id}/tokens`, { json: { ttl_ms: 0 }, expect: 400 });
  await api("playback token for a live that does not exist", "POST", "/lives/no-such-live/tokens", { json: {}, expect: 404 });

  // Chat.
  const sent = await api("post to the chat (example welcome)", "POST", `/lives/${sunday.id}/chat`, {
    json: examplesOf("sendChatMessage").welcome, example: "welcome",
  });
  const messageId = need(sent?.message?.id, "the id of the chat message posted");
  check("post to the chat: a host message", sent.message.host === true, short(sent));
  const chat = await api("read the chat (examples after, limit)", "GET", `/lives/${sunday.id}/chat`, {
    query: { after: paramExample("listChatMessages", "after"), limit: paramExample("listChatMessages", "limit") },
  });
  check("read the chat: the message is there, the room open", chat?.messages?.some((m) => m.id === messageId) && chat.room.open === true,
        short(chat));
  await api("post to the chat: no text", "POST", `/lives/${sunday.id}/chat`, { json: { name: "Host" }, expect: 400 });
  await api("post to a chat that is not enabled", "POST", `/lives/${town.id}/chat`, { json: examplesOf("sendChatMessage").welcome, expect: 409 });
  const deleted = await api("delete the chat message", "DELETE", `/lives/${sunday.id}/chat/${messageId}`);
  check("delete the chat message: deleted is its id", deleted?.deleted === messageId, short(deleted));
  await api("delete the chat message again", "DELETE", `/lives/${sunday.id}/chat/${messageId}`, { expect: 404 });
  await api("delete a chat message whose id is not a number", "DELETE", `/lives/${sunday.id}/chat/abc`, { expect: 400 });

  // Polls.
  const poll = await api("open a poll (example next_song)", "POST", `/lives/${sunday.id}/polls`, {
    json: examplesOf("createPoll").next_song, example: "next_song",
  });
  const pollId = need(poll?.poll?.id, "the id of the poll opened");
  const polls = await api("list the polls", "GET", `/lives/${sunday.id}/polls`);
  check("list the polls: the poll is there, open", polls?.polls?.some((p) => p.id === pollId && p.open), short(polls));
  await api("open a poll with one option", "POST", `/lives/${sunday.id}/polls`, { json: { question: "Yes?", options: ["yes"] }, expect: 400 });
  await api("open a poll on a live without polls", "POST", `/lives/${town.id}/polls`, { json: examplesOf("createPoll").next_song, expect: 409 });
  const closed = await api("close the poll", "POST", `/lives/${sunday.id}/polls/${pollId}:close`);
  check("close the poll: open is false, closed_at set", closed?.poll?.open === false && typeof closed.poll.closed_at === "string", short(closed));
  await api("close the poll again", "POST", `/lives/${sunday.id}/polls/${pollId}:close`, { expect: 409 });
  await api("close a poll that does not exist", "POST", `/lives/${sunday.id}/polls/999999:close`, { expect: 404 });

  // The lifecycle of sunday-service, through every operation.
  const refused = await api("start a live still in WAIT_FOR_PREVIEW", "POST", `/lives/${town.id}:start`, { expect: 409 });
  check("the refused start: details.state WAIT_FOR_PREVIEW, details.allowed_from [PREVIEW]",
        errorOf(refused).code === "conflict" && errorOf(refused).details?.state === "WAIT_FOR_PREVIEW" &&
        isDeepStrictEqual(errorOf(refused).details?.allowed_from, ["PREVIEW"]), short(refused));
  const steps = [["preview", "PREVIEW"], ["start", "LIVE"], ["end", "LIVE_END"], ["close", "CLOSED"], ["reopen", "WAIT_FOR_PREVIEW"],
                 ["cancel", "CLOSED"], ["archive", "ARCHIVED"]];
  for (const [verb, state] of steps) {
    if (verb === "end") {
      const before = sunday.stream_key;
      const rotated = await api("rotate the stream key of a LIVE live", "POST", `/lives/${sunday.id}:rotateStreamKey`);
      check("rotate the stream key: a new key", rotated?.live?.stream_key && rotated.live.stream_key !== before, short(rotated?.live?.stream_key));
    }
    const r = await api(`${verb} sunday-service`, "POST", `/lives/${sunday.id}:${verb}`);
    check(`${verb} sunday-service: now ${state}, transitions listed`,
          r?.live?.state === state && r.transitions?.[0]?.trigger === verb, short({ state: r?.live?.state, transitions: r?.transitions }));
  }
  await api("update an ARCHIVED live", "PATCH", `/lives/${sunday.id}`, { json: { live: { name: "x" } }, expect: 409 });
  await api("rotate the stream key of an ARCHIVED live", "POST", `/lives/${sunday.id}:rotateStreamKey`, { expect: 409 });
  await api("reopen an ARCHIVED live", "POST", `/lives/${sunday.id}:reopen`, { expect: 409 });
  await api("preview a live that does not exist", "POST", "/lives/no-such-live:preview", { expect: 404 });

  // History and sessions.
  const limit = paramExample("listLiveEvents", "limit");
  const events = await api(`history of sunday-service (limit ${limit})`, "GET", `/lives/${sunday.id}/events`, { query: { limit } });
  const ours = (events?.events ?? []).filter((e) => steps.some(([verb]) => verb === e.trigger));
  check(`history: the transitions asked through the API name the key (${adminName})`,
        ours.length > 0 && ours.every((e) => e.api_key === adminName), short(ours.map((e) => [e.trigger, e.api_key])));
  check("history: at most limit events, oldest first", events?.events?.length <= limit &&
        events.events.every((e, i, a) => i === 0 || a[i - 1].seq < e.seq), short(events?.events?.map((e) => e.seq)));
  await api("history: limit 0", "GET", `/lives/${sunday.id}/events`, { query: { limit: 0 }, expect: 400 });
  await api("history of a live that does not exist", "GET", "/lives/no-such-live/events", { expect: 404 });
  const sessions = await api("sessions of sunday-service", "GET", `/lives/${sunday.id}/sessions`);
  check("sessions: none (nothing was pushed)", Array.isArray(sessions?.sessions), short(sessions));
  await api("sessions of a live that does not exist", "GET", "/lives/no-such-live/sessions", { expect: 404 });

  // A simulive of the video: its playout is a session, checked in the live and in the list.
  if (videoPath) {
    const video = fs.readFileSync(videoPath);
    const up = await api("upload the video", "POST", "/library", {
      raw: video, contentType: "video/mp4", query: { name: "Clip", filename: path.basename(videoPath) },
    });
    const videoId = need(up?.item?.id, "the library id of the uploaded video");
    check("upload the video: kind video, with a duration", up.item.kind === "video" && up.item.duration_seconds > 0, short(up));
    const sim = need((await api("create a simulive of the video", "POST", "/lives", {
      json: { live: { name: "Clip on air", type: "LIVE_TYPE_SIMULIVE", source: { library: { id: videoId } } } },
    }))?.live, "the simulive");
    check("create a simulive: source.type LIVE_SOURCE_TYPE_LIBRARY", sim.source?.type === "LIVE_SOURCE_TYPE_LIBRARY", short(sim.source));
    await api("simulive of an image", "POST", "/lives", {
      json: { live: { name: "Still", type: "LIVE_TYPE_SIMULIVE", source: { library: { id: libId } } } }, expect: 400,
    });
    for (const verb of ["preview", "start"]) await api(`${verb} the simulive`, "POST", `/lives/${sim.id}:${verb}`);
    let running = null;
    for (const until = Date.now() + 30000; Date.now() < until && !running;) {
      const res = await send("GET", `${basePath}/lives/${sim.id}`, { headers: { Authorization: `Bearer ${keys.admin}` } });
      if (res.status === 200) running = JSON.parse(res.text).live.current_session;
      if (!running) await new Promise((r) => setTimeout(r, 250));
    }
    check("the simulive's playout runs as a session within 30 s", running !== null, "no current_session");
    const withSession = await api("get the simulive, with its session", "GET", `/lives/${sim.id}`);
    check("get the simulive: current_session is the running session, channel ACTIVE",
          withSession?.live?.current_session?.live_id === sim.id && withSession.live.channel_state === "ACTIVE",
          short(withSession?.live?.current_session));
    const simSessions = await api("sessions of the simulive", "GET", `/lives/${sim.id}/sessions`);
    check("sessions of the simulive: its playout", simSessions?.sessions?.length >= 1 && simSessions.sessions[0].live_id === sim.id,
          short(simSessions));
    await api("delete the video while the simulive uses it", "DELETE", `/library/${videoId}`, { expect: 409 });
    for (const verb of ["cancel", "archive"]) await api(`${verb} the simulive`, "POST", `/lives/${sim.id}:${verb}`);
    await api("delete the simulive", "DELETE", `/lives/${sim.id}`);
    await api("delete the video", "DELETE", `/library/${videoId}`);
  }

  // Live to VOD. town-hall (catchup) ends into ENCODING; nothing was recorded, so its VOD is
  // READY at once, empty. town-hall-rerun reuses it (example reuse_vod); then town-hall is
  // deleted, so that when the rerun ends its VOD job FAILS (the VOD it reuses is gone) and
  // can be retried.
  await api("VOD of a live that has not ended", "GET", `/lives/${town.id}/vod`, { expect: 404 });
  await api("retry the VOD of a live that has not ended", "POST", `/lives/${town.id}/vod:retry`, { expect: 409 });
  const vodOf = async (id, what) => {
    let vod = null;
    for (const until = Date.now() + 30000; Date.now() < until;) {
      const res = await send("GET", `${basePath}/lives/${id}/vod`, { headers: { Authorization: `Bearer ${keys.admin}` } });
      vod = res.status === 200 ? JSON.parse(res.text).vod : null;
      if (vod && vod.state !== "ENCODING") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    check(`the VOD job of ${what} finished (READY or FAILED) within 30 s`, vod && vod.state !== "ENCODING", short(vod));
    return api(`VOD of ${what}`, "GET", `/lives/${id}/vod`);
  };
  for (const [verb, state] of [["preview", "PREVIEW"], ["start", "LIVE"], ["end", "ENCODING"]]) {
    const r = await api(`${verb} town-hall`, "POST", `/lives/${town.id}:${verb}`);
    check(`${verb} town-hall: now ${state}`, r?.live?.state === state, short(r?.live?.state));
  }
  const townVod = await vodOf(town.id, "town-hall");
  check("town-hall's VOD is READY", townVod?.vod?.state === "READY", short(townVod));
  const townLive = await api("get town-hall, with its VOD", "GET", `/lives/${town.id}`);
  check("town-hall's live.vod is its VOD, and it waits in VOD_READY for its window",
        townLive?.live?.vod?.id === townVod?.vod?.id && townLive.live.state === "VOD_READY", short(townLive?.live?.vod));
  await api("retry a VOD that did not fail", "POST", `/lives/${town.id}/vod:retry`, { expect: 409 });

  const rerunBody = { live: { name: "Town hall (rerun)", custom_id: "town-hall-rerun" } };
  const rerun = need((await api("create town-hall-rerun", "POST", "/lives", { json: rerunBody }))?.live, "the live town-hall-rerun");
  const reused = await api("update live (example reuse_vod)", "PATCH", `/lives/${rerun.id}`, { json: updateExamples.reuse_vod, example: "reuse_vod" });
  check("update live (example reuse_vod): live_vod changed", reused?.changed?.includes("live_vod"), short(reused?.changed));
  await api("update live: reuse the VOD of a live that has none", "PATCH", `/lives/${rerun.id}`, {
    json: { live: { live_vod: { playback: { id: sunday.id } } } }, expect: 400,
  });
  for (const verb of ["preview", "start"]) await api(`${verb} town-hall-rerun`, "POST", `/lives/${rerun.id}:${verb}`);
  const moved = await api("update town-hall: its VOD window into the past", "PATCH", `/lives/${town.id}`, {
    json: { live: { live_vod: { started_at: "2020-01-01T00:00:00Z", ended_at: "2020-01-02T00:00:00Z" } } },
  });
  check("update town-hall: through VOD to LIVE_END at once", moved?.live?.state === "LIVE_END" &&
        moved.transitions?.map((t) => t.trigger).join(",") === "vod-window-open,vod-window-close", short(moved?.transitions));
  await api("close town-hall", "POST", `/lives/${town.id}:close`);
  await api("delete town-hall (by custom_id)", "DELETE", "/lives/town-hall");
  const ended = await api("end town-hall-rerun", "POST", `/lives/${rerun.id}:end`);
  check("end town-hall-rerun: ENCODING", ended?.live?.state === "ENCODING", short(ended?.live?.state));
  const rerunVod = await vodOf(rerun.id, "town-hall-rerun");
  check("town-hall-rerun's VOD FAILED, with the reason", rerunVod?.vod?.state === "FAILED" && rerunVod.vod.error, short(rerunVod));
  if (rerunVod?.vod?.state === "FAILED") {
    const retried = await api("retry the FAILED VOD", "POST", `/lives/${rerun.id}/vod:retry`);
    check("retry the VOD: a new attempt", retried?.vod?.attempts > rerunVod.vod.attempts, short(retried));
  }
  await api("VOD of a live that does not exist", "GET", "/lives/no-such-live/vod", { expect: 404 });
  await api("delete a live that is ENCODING", "DELETE", `/lives/${rerun.id}`, { expect: 409 });

  // product-launch: cancel, reopen (back to SCHEDULED: its schedule is not due), cancel, delete.
  for (const [verb, state] of [["cancel", "CLOSED"], ["reopen", "SCHEDULED"], ["cancel", "CLOSED"]]) {
    const r = await api(`${verb} product-launch`, "POST", `/lives/${launch.id}:${verb}`);
    check(`${verb} product-launch: now ${state}`, r?.live?.state === state, short(r?.live?.state));
  }
  const gone = await api("delete product-launch (by custom_id)", "DELETE", "/lives/product-launch");
  check("delete product-launch: deleted names its id and custom_id",
        gone?.deleted?.id === launch.id && gone.deleted.custom_id === "product-launch", short(gone));
  await api("delete sunday-service (ARCHIVED)", "DELETE", `/lives/${sunday.id}`);
  await api("delete sunday-service again", "DELETE", `/lives/${sunday.id}`, { expect: 404 });
  await api("get the deleted live", "GET", `/lives/${sunday.id}`, { expect: 404 });
  const removed = await api("delete the library item, no longer used", "DELETE", `/library/${libId}`);
  check("delete the library item: removed.id", removed?.removed?.id === libId, short(removed));
  await api("delete the library item again", "DELETE", `/library/${libId}`, { expect: 404 });

  // Paths and methods outside the document.
  const notAllowed = await api("a method the path does not take", "PUT", "/lives", { json: {}, expect: 405 });
  check("405: method_not_allowed with Allow: GET, POST", errorOf(notAllowed).code === "method_not_allowed" &&
        /GET/.test(api.last?.headers.allow ?? "") && /POST/.test(api.last?.headers.allow ?? ""), `Allow: ${api.last?.headers.allow}`);
  const noRoute = await api("a path that is not in the API", "GET", "/nothing-here", { expect: 404 });
  check("unknown path: not_found", errorOf(noRoute).code === "not_found", short(noRoute));

  // Every operation without a key: 401; those above read with the read key: 403.
  for (const o of operations) {
    const scope = o.op["x-required-scope"];
    if (scope === "none") continue;
    const relPath = o.template.replace(/\{([^}]+)\}/g, (m, name) => {
      const p = o.params.find((x) => x.name === name);
      return encodeURIComponent(String(p?.example ?? "x"));
    });
    const body = deref(o.op.requestBody)?.content?.["application/json"] ? { json: Object.values(examplesOf(o.id))[0] ?? {} }
      : o.id === "uploadLibraryItem" ? { raw: Buffer.from("x"), contentType: "application/octet-stream" } : {};
    await api(`${o.id} without a key`, o.method, relPath, { ...body, key: null, expect: 401 });
    if (scope === "write" || scope === "admin") {
      const r = await api(`${o.id} with a read key`, o.method, relPath, { ...body, key: keys.read, expect: 403 });
      check(`${o.id} with a read key: details.scope ${scope}`, errorOf(r).details?.scope === scope, short(r));
    }
  }

  // The rate limit of a key ([api] rate_limit, rate_burst): the read key asks until it is
  // refused (bounded), then the refusal is checked.
  let sentBeforeLimit = 0;
  for (; sentBeforeLimit < 2000; ++sentBeforeLimit) {
    const res = await send("GET", `${basePath}/status`, { headers: { Authorization: `Bearer ${keys.read}` } });
    if (res.status === 429) break;
    if (res.status !== 200) {
      fail("rate limit: GET /status with the read key", `status ${res.status}: ${short(res.text)}`);
      break;
    }
  }
  if (check(`rate limit: the read key is refused after ${sentBeforeLimit} quick requests`, sentBeforeLimit < 2000, "no 429 in 2000 requests")) {
    const limited = await api("rate limit: one more request", "GET", "/status", { key: keys.read, expect: 429 });
    check("rate limit: rate_limited, Retry-After >= 1", errorOf(limited).code === "rate_limited" &&
          Number(api.last?.headers["retry-after"]) >= 1, `Retry-After: ${api.last?.headers["retry-after"]}`);
  }

  // Revoke the read key.
  const revoked = await api("revoke the read key (example name)", "DELETE", `/apikeys/${paramExample("revokeApiKey", "name")}`);
  check("revoke: revoked_at is set", typeof revoked?.revoked?.revoked_at === "string" && revoked.already_revoked === false, short(revoked));
  const again = await api("revoke the read key again", "DELETE", `/apikeys/${paramExample("revokeApiKey", "name")}`);
  check("revoke again: already_revoked", again?.already_revoked === true, short(again));
  await api("make a key with the name of a revoked one", "POST", "/apikeys", { json: readerExample, expect: 409 });
  await api("status with the revoked key", "GET", "/status", { key: keys.read, expect: 401 });
  await api("revoke a key that does not exist", "DELETE", "/apikeys/no-such-key", { expect: 404 });
  const keysAfter = await api("list API keys after the revocation", "GET", "/apikeys");
  check("the revoked key is listed with revoked_at", keysAfter?.apikeys?.some((k) => k.name === readerExample.name && k.revoked_at),
        short(keysAfter));
}

try {
  await walk();
} catch (e) {
  if (!(e instanceof Abort)) fail("the walk", e.stack ?? String(e));
}

// Coverage.
const notExercised = operations.filter((o) => !o.exercised);
const noSuccess = operations.filter((o) => !o.succeeded);
check(`every operation was exercised (${operations.length - notExercised.length}/${operations.length})`, notExercised.length === 0,
      notExercised.map((o) => `${o.id} (${o.method} ${o.template})`).join("\n"));
check(`every operation answered 2xx at least once (${operations.length - noSuccess.length}/${operations.length})`, noSuccess.length === 0,
      noSuccess.map((o) => `${o.id} (${o.method} ${o.template})`).join("\n"));
const unsent = [...examplesSent].filter(([, sent]) => !sent).map(([name]) => name);
check(`every request example was sent and answered 2xx (${examplesSent.size - unsent.length}/${examplesSent.size})`, unsent.length === 0,
      unsent.join("\n"));
console.log(`operations: ${operations.length}; exercised: ${operations.length - notExercised.length}; ` +
            `with a 2xx answer: ${operations.length - noSuccess.length}; rate-limited and sent again: ${rateLimited}`);
if (failures.length) console.log(`failed checks:\n  ${failures.join("\n  ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
