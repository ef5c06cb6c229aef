// Following a job's event stream (GET /api/v1/jobs/{id}/events, text/event-stream).
//
// Without an API key this is an EventSource, which reconnects by itself; the server starts
// every connection with the job's folded `state` (after a Last-Event-ID, with the next event,
// which carries the whole state too), so a reconnect shows the current state.
// An EventSource cannot send the X-API-Key header, so with a key the same stream is read with
// fetch() from a ReadableStream, and reconnected here.

import { API, ApiProblem, apiKey, get, headers, problemFrom } from "./api.js";
import { TERMINAL } from "./jobstate.js";

const EVENTS = ["state", "progress", ...TERMINAL];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follow job `jobId` until its terminal event or `close()`.
 * handlers.onEvent(type, data): every event, parsed.
 * handlers.onProblem(ApiProblem): a refusal (401: ask for a key; 429: it retries later).
 * handlers.onReconnecting(): the connection dropped; a new one is on its way.
 */
export function watchJob(jobId, { onEvent, onProblem = () => {}, onReconnecting = () => {} }) {
  const url = `${API}/jobs/${encodeURIComponent(jobId)}/events`;
  const statusPath = `jobs/${encodeURIComponent(jobId)}`;
  let closed = false;
  let current = null;
  let delay = 1000;

  const deliver = (type, data) => {
    delay = 1000;
    onEvent(type, data);
  };

  (async () => {
    while (!closed) {
      const connect = apiKey() ? readWithFetch : readWithEventSource;
      const outcome = await connect(url, statusPath, deliver, onReconnecting, (c) => {
        current = c;
      });
      if (closed || outcome.ended) return;
      if (outcome.problem) {
        onProblem(outcome.problem);
        if (!outcome.problem.retryable) return;
        await sleep(outcome.problem.retryAfter ? outcome.problem.retryAfter * 1000 : delay);
      } else {
        onReconnecting();
        await sleep(delay);
      }
      delay = Math.min(delay * 2, 15000);
    }
  })();

  return {
    close() {
      closed = true;
      current?.close();
    },
  };
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

function readWithEventSource(url, statusPath, deliver, onReconnecting, setCurrent) {
  return new Promise((resolve) => {
    const source = new EventSource(url);
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      source.close();
      resolve(outcome);
    };
    setCurrent({ close: () => finish({ ended: true }) });
    for (const type of EVENTS) {
      source.addEventListener(type, (event) => {
        const data = parse(event.data);
        if (data === null || done) return;
        deliver(type, data);
        if (TERMINAL.has(type)) finish({ ended: true });
      });
    }
    source.addEventListener("error", async () => {
      if (done) return;
      if (source.readyState === EventSource.CONNECTING) {
        onReconnecting(); // the browser reconnects by itself
        return;
      }
      // refused (not a 200 stream): the status route says why, with the API's error body
      source.close();
      try {
        const body = await get(statusPath);
        deliver("state", body);
        finish(TERMINAL.has(body?.status) ? { ended: true } : { dropped: true });
      } catch (problem) {
        finish(problem instanceof ApiProblem ? { problem } : { dropped: true });
      }
    });
  });
}

async function readWithFetch(url, statusPath, deliver, onReconnecting, setCurrent) {
  const controller = new AbortController();
  setCurrent({ close: () => controller.abort() });
  let response;
  try {
    response = await fetch(url, {
      headers: headers({ Accept: "text/event-stream" }),
      cache: "no-store",
      signal: controller.signal,
    });
  } catch {
    return controller.signal.aborted ? { ended: true } : { dropped: true };
  }
  if (!response.ok) return { problem: await problemFrom(response) };
  try {
    for await (const [type, raw] of events(response.body)) {
      const data = parse(raw);
      if (data === null || !EVENTS.includes(type)) continue;
      deliver(type, data);
      if (TERMINAL.has(type)) {
        controller.abort();
        return { ended: true };
      }
    }
  } catch {
    // the connection dropped, or close() aborted it
  }
  return controller.signal.aborted ? { ended: true } : { dropped: true };
}

/** The `[event, data]` pairs of a text/event-stream body (the parts the API sends). */
async function* events(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let type = "message";
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // a trailing \r may be half of \r\n: keep it for the next chunk
      const lines = buffer.split(/\r\n|\r(?!$)|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (data.length) yield [type, data.join("\n")];
          type = "message";
          data = [];
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? "" : line.slice(colon + 1);
          if (value.startsWith(" ")) value = value.slice(1);
          if (field === "event") type = value;
          else if (field === "data") data.push(value);
        }
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
