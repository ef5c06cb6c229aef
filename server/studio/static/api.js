// The public REST API, and the API key the page keeps for it. Every request of the studio
// goes through here, so a 401 or 429 is explained in one place.

export const API = "/api/v1";
const KEY_ITEM = "manimgraph.apiKey";

/** A refused or failed request, with what a person can do about it. */
export class ApiProblem extends Error {
  constructor({ status = 0, code = "network", detail = "", retryAfter = null }) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  /** Asking again later may work (rate limits, a lost connection, a busy server). */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }

  get needsKey() {
    return this.status === 401;
  }
}

// -- the key ------------------------------------------------------------------------------

const keyListeners = new Set();

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_ITEM) || "";
  } catch {
    return "";
  }
}

export function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_ITEM, key);
    else sessionStorage.removeItem(KEY_ITEM);
  } catch {
    // storage refused (private mode): the key lasts until the page closes
  }
  forgetMedia();
  for (const listener of keyListeners) listener(key);
}

export function onKeyChange(listener) {
  keyListeners.add(listener);
}

export function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, "X-API-Key": key } : { ...extra };
}

// -- requests ------------------------------------------------------------------------------

/** The problem a non-2xx response describes; its body is the API's `{detail, error_code}`. */
export async function problemFrom(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page): the status says enough
  }
  const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  let detail = typeof body.detail === "string" ? body.detail : "";
  if (Array.isArray(body.detail)) {
    detail = body.detail.map((d) => d?.msg).filter(Boolean).join("; ");
  }
  return new ApiProblem({
    status: response.status,
    code: typeof body.error_code === "string" ? body.error_code : `http_${response.status}`,
    detail,
    retryAfter: Number.isFinite(retry) ? retry : null,
  });
}

/** `method` `path` (under /api/v1 unless it starts with /), JSON out; the body is sent as JSON,
 * or as multipart when it is a FormData (the browser writes its boundary). Throws ApiProblem. */
export async function request(method, path, body, extraHeaders = {}) {
  const url = path.startsWith("/") ? path : `${API}/${path}`;
  const init = { method, headers: headers({ Accept: "application/json", ...extraHeaders }) };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiProblem({ detail: "the server cannot be reached" });
  }
  if (!response.ok) throw await problemFrom(response);
  if (response.status === 204) return null;
  return response.json();
}

/** Upload `file` as the multipart form field `field` to `path`; the JSON answer. Throws ApiProblem. */
export function upload(path, field, file) {
  const form = new FormData();
  form.append(field, file, file.name);
  return request("POST", path, form);
}

export const get = (path) => request("GET", path);
export const post = (path, body, extra) => request("POST", path, body, extra);
export const del = (path) => request("DELETE", path);

// -- media ---------------------------------------------------------------------------------
// <video>, <img> and download links send no headers. Without a key they use the API's URLs
// directly (streamed, seekable); with one, the file is fetched with the key and shown from a
// blob: URL. The API's file URLs name immutable versions, so each is fetched once.

const media = new Map();

function forgetMedia() {
  for (const pending of media.values()) {
    pending.then((url) => url.startsWith("blob:") && URL.revokeObjectURL(url)).catch(() => {});
  }
  media.clear();
}

/** A URL an element can load `url` from. */
export function mediaUrl(url) {
  if (!apiKey()) return Promise.resolve(url);
  if (!media.has(url)) {
    const pending = fetch(url, { headers: headers() }).then(async (response) => {
      if (!response.ok) throw await problemFrom(response);
      return URL.createObjectURL(await response.blob());
    });
    pending.catch(() => media.delete(url));
    media.set(url, pending);
  }
  return media.get(url);
}

// -- explanations --------------------------------------------------------------------------

/** One or two sentences a person can act on. */
export function explain(problem) {
  if (!(problem instanceof ApiProblem)) return `Something went wrong: ${problem?.message ?? problem}.`;
  const detail = problem.detail ? ` (${problem.detail})` : "";
  const wait = problem.retryAfter ? ` Try again in ${problem.retryAfter} s.` : " Try again in a moment.";
  switch (problem.code) {
    case "missing_api_key":
      return "This server needs an API key: enter yours in the API key box.";
    case "invalid_api_key":
      return "The server does not know that API key, or it was revoked: enter a valid one in the API key box.";
    case "rate_limited":
      return `Too many requests: this server limits how often one key (or address) may call it.${wait}`;
    case "too_many_jobs":
      return `You already have as many videos in the making as this server allows${detail}. Wait for one to finish, or cancel one.`;
    case "project_busy":
      return "Another job is changing this project right now. Wait for it to finish, then try again.";
    case "asset_refused":
    case "asset_too_large":
    case "asset_quota_exceeded":
      return `The server refused the file${detail}. Nothing was submitted.`;
    case "not_found":
      return `Not found${detail}. It may have been deleted.`;
    case "network":
      return "The server cannot be reached. Check that manimgraph serve is running, then try again.";
    default:
      break;
  }
  if (problem.status === 401) return "This server needs a valid API key: enter it in the API key box.";
  if (problem.status === 429) return `The server asks to slow down.${wait}`;
  if (problem.status === 422 || problem.status === 400) return `The server refused the request${detail}.`;
  if (problem.status >= 500) return `The server failed${detail}.${wait}`;
  return `The request failed${detail || ` with status ${problem.status}`}.`;
}
