// The one place that reads a job's public status (GET /api/v1/jobs/{id}, the SSE `state`
// event) and its events (`progress`, then `completed` / `failed` / `cancelled`), folding them
// into a JobView the page draws. When the API's job body or events change shape, only this
// file changes.
//
// It reads both shapes the API has had:
// - status `scenes: [{number, status, attempts}]`, and `progress` events that are one step
//   each (`{stage, message, scene, attempt, status, progress, scenes_total}`);
// - status `scenes: [{number, title, state, attempts, repairs, fallback_reason}]`, and
//   `progress` events that carry the folded job (`job_id`, `status`, `scenes`, ...).
// Optional per-scene `video_url` (a finished scene's video while the job still runs) is
// shown when present.

export const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const JOB_STATUSES = new Set(["queued", "running", ...TERMINAL]);

/**
 * @typedef {{number: number, title: string|null, state: string, attempts: number,
 *            repairs: string[]|number|null, fallbackReason: string|null,
 *            videoUrl: string|null}} SceneView
 * @typedef {{jobId: string, kind: string|null, projectId: string|null, status: string,
 *            stage: string|null, progress: number, message: string, error: string|null,
 *            eta: string|null, total: number|null, scenes: Map<number, SceneView>}} JobView
 */

/** @returns {JobView} */
export function newJob(jobId, fields = {}) {
  return {
    jobId,
    kind: null,
    projectId: null,
    status: "queued",
    stage: null,
    progress: 0,
    message: "",
    error: null,
    eta: null,
    total: null,
    scenes: new Map(),
    ...fields,
  };
}

export const isActive = (job) => job !== null && !TERMINAL.has(job.status);

const text = (value) => (typeof value === "string" ? value : null);
const count = (value, fallback) =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback;

function scene(job, number) {
  let found = job.scenes.get(number);
  if (!found) {
    found = {
      number,
      title: null,
      state: "queued",
      attempts: 0,
      repairs: null,
      fallbackReason: null,
      videoUrl: null,
    };
    job.scenes.set(number, found);
  }
  return found;
}

function foldScene(job, raw) {
  if (!raw || !Number.isInteger(raw.number)) return;
  const s = scene(job, raw.number);
  s.title = text(raw.title) ?? s.title;
  s.state = text(raw.state) ?? text(raw.status) ?? s.state;
  s.attempts = count(raw.attempts, s.attempts);
  if (Array.isArray(raw.repairs)) s.repairs = raw.repairs.map(String);
  else if (typeof raw.repairs === "number") s.repairs = raw.repairs;
  s.fallbackReason = text(raw.fallback_reason) ?? s.fallbackReason;
  s.videoUrl = text(raw.video_url) ?? s.videoUrl;
  if (s.fallbackReason && s.state === "done") s.state = "fallback";
}

/** A JobView from a job's public status body (the job listing's items). */
export const fromStatus = (body) => foldStatus(newJob(text(body?.job_id)), body);

/** Fold a job's public status body into `job`. */
export function foldStatus(job, body) {
  if (!body || typeof body !== "object") return job;
  job.jobId = text(body.job_id) ?? job.jobId;
  job.kind = text(body.kind) ?? job.kind;
  job.projectId = text(body.project_id) ?? job.projectId;
  if (JOB_STATUSES.has(body.status)) job.status = body.status;
  job.stage = text(body.stage) ?? job.stage;
  job.progress = count(body.progress, job.progress);
  job.message = text(body.message) ?? job.message;
  job.error = text(body.error);
  job.eta = text(body.estimated_completion);
  job.total = count(body.scenes_total, job.total);
  // a finished job's status may list no scenes: keep what the stream showed
  if (Array.isArray(body.scenes)) for (const raw of body.scenes) foldScene(job, raw);
  return job;
}

/** One step of the job (the older `progress` event). */
function foldStep(job, step) {
  job.progress = count(step.progress, job.progress);
  job.stage = text(step.stage) ?? job.stage;
  job.message = text(step.message) ?? job.message;
  job.total = count(step.scenes_total, job.total);
  if (job.status === "queued") job.status = "running";
  if (!Number.isInteger(step.scene)) return;
  const s = scene(job, step.scene);
  s.attempts = Math.max(s.attempts, count(step.attempt, 0));
  if (step.stage === "fallback") {
    const reason = (text(step.message) ?? "").replace(/^using a title card:\s*/, "");
    s.fallbackReason = reason || s.fallbackReason || "the scene kept failing";
  }
  if (step.status === "done") s.state = s.fallbackReason || step.message === "fallback" ? "fallback" : "done";
  else if (step.status === "failed") s.state = "failed";
  else if (step.status === "retry") s.state = "retrying";
  else if (step.status === "fixing") s.state = "fixing";
  else s.state = text(step.stage) ?? s.state;
}

/** Fold one server-sent event (`type`, parsed `data`) into `job`. */
export function foldEvent(job, type, data) {
  if (!data || typeof data !== "object") return job;
  if (type === "state") return foldStatus(job, data);
  if (TERMINAL.has(type)) {
    job.status = type;
    job.error = text(data.error);
    job.eta = null;
    if (type === "completed") job.progress = 1;
    return job;
  }
  if (type === "progress") {
    const folded = Array.isArray(data.scenes) || typeof data.job_id === "string";
    return folded ? foldStatus(job, data) : (foldStep(job, data), job);
  }
  return job;
}

/** Scenes in order. */
export const scenesOf = (job) => [...job.scenes.values()].sort((a, b) => a.number - b.number);

const STATE_LABELS = {
  queued: "Waiting",
  planning: "Planning",
  loading: "Loading",
  narrating: "Narrating",
  coding: "Writing code",
  checking: "Checking code",
  rendering: "Rendering",
  retrying: "Retrying",
  reviewing: "Checking layout",
  fixing: "Fixing layout",
  fallback: "Title card",
  saving: "Saving",
  assembling: "Assembling",
  done: "Rendered",
  rendered: "Rendered",
  failed: "Failed",
  completed: "Done",
  cancelled: "Cancelled",
  running: "Working",
};

/** A person's word for a job stage or scene state. */
export const label = (state) => STATE_LABELS[state] ?? (state ? String(state) : "");

/** A scene state that is finished (its video exists, or will once the job commits). */
export const sceneFinished = (s) => ["done", "rendered", "fallback"].includes(s.state);

/** The job's error in one sentence. */
export function errorSentence(job) {
  if (job.status === "cancelled") return "Cancelled on request.";
  const raw = (job.error ?? "").trim();
  if (!raw) return job.status === "failed" ? "The job failed." : "";
  const firstLine = raw.split("\n", 1)[0];
  const withoutType = firstLine.replace(/^[A-Z][A-Za-z]*(Error|Exception|Problem): */, "");
  const sentence = (withoutType || firstLine).slice(0, 300);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
