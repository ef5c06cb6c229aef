// The start page: a prompt form, then the projects, newest first.

import * as api from "./api.js";
import { h, fill, setText, seconds, show, uid, when } from "./dom.js";
import * as jobs from "./jobstate.js";
import { report, say } from "./notices.js";

const MAX_PROMPT = 4000;
const MAX_SCENES = 12;
const PAGE_SIZE = 12;
const MAX_DESCRIPTION = 300;
const ASPECTS = { "16:9": "16:9 landscape", "9:16": "9:16 portrait (shorts, reels)", "1:1": "1:1 square" };
const RESOLUTIONS = ["480p", "720p", "1080p", "1440p", "2160p"];
const IMAGE_TYPES = "image/png,image/jpeg,image/webp";
export const PROMPT_ITEM = "manimgraph.prompt.";

function randomKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function field(labelText, control, hint) {
  const hintId = hint ? uid("hint") : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, labelText),
    control,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
  );
}

function options(entries) {
  return Object.entries(entries).map(([value, text]) => h("option", { value }, text));
}

function numberInput(id, min, max, value, placeholder) {
  return h("input", { id, name: id, type: "number", min, max, step: 1, value: value ?? "", placeholder, inputMode: "numeric" });
}

export function homeView() {
  const prompt = h("textarea", {
    id: "prompt",
    name: "prompt",
    required: true,
    maxLength: MAX_PROMPT,
    rows: 4,
    placeholder: "Explain Bayes' theorem with a medical test, in 4 scenes",
  });
  const scenes = numberInput("scene-count", 1, MAX_SCENES, null, "auto");
  const quality = h("select", { id: "quality", name: "quality" }, h("option", { value: "low" }, "low"));
  const style = h("select", { id: "style", name: "style" }, h("option", { value: "dark" }, "dark"));
  const aspect = h("select", { id: "aspect", name: "aspect" }, options(ASPECTS));
  const duration = numberInput("duration", 5, 600, null, "40");
  const resolution = h(
    "select",
    { id: "resolution", name: "resolution" },
    options({ "": "the quality's", ...Object.fromEntries(RESOLUTIONS.map((r) => [r, r])) }),
  );
  const fps = numberInput("fps", 15, 60, null, "the quality's");
  const image = h("input", { id: "image", name: "image", type: "file", accept: IMAGE_TYPES });
  const imageText = h("input", { id: "image-description", name: "image-description", type: "text", maxLength: MAX_DESCRIPTION });
  const fallback = h("input", { id: "fallback", name: "fallback", type: "checkbox", checked: true });
  const retries = numberInput("max-retries", 0, 10, 2);
  const fixRounds = numberInput("max-fix-rounds", 0, 5, 1);
  const sceneSeconds = numberInput("max-scene-seconds", 1, 3600, 300);
  const maxCalls = numberInput("max-calls", 0, 10000, null, "no cap");
  const maxCost = h("input", { id: "max-cost", name: "max-cost", type: "number", min: 0, step: 0.01, placeholder: "no cap", inputMode: "decimal" });
  const generate = h("button", { type: "submit", class: "primary" }, "Generate");
  const formError = h("p", { class: "error", role: "alert", hidden: true });
  let submission = randomKey();

  const form = h(
    "form",
    { class: "panel new-video", "aria-labelledby": "new-heading" },
    h("h1", { id: "new-heading" }, "Make an explainer video"),
    field("Prompt", prompt, "Say what the video should explain, and to whom. Ctrl+Enter generates."),
    h(
      "div",
      { class: "row" },
      field("Scenes", scenes),
      field("Quality", quality),
      field("Style", style),
      field("Aspect", aspect),
      field("Length (s)", duration, "Of the whole video, 5-600 s; 40 when empty."),
    ),
    h(
      "div",
      { class: "row" },
      field("Image", image, "Optional: a PNG, JPEG or WebP (at most 20 MB) for a scene to show."),
      field("Image description", imageText, "What the image shows, so the planner knows where it fits."),
    ),
    h(
      "details",
      { class: "options" },
      h("summary", {}, "Render options"),
      h(
        "div",
        { class: "row" },
        field("Resolution", resolution),
        field("Frame rate (fps)", fps),
        field("Retries per scene", retries),
        field("Layout fix rounds", fixRounds),
        field("Render time limit per scene (s)", sceneSeconds),
        field("Model calls at most", maxCalls),
        field("Model cost at most (USD)", maxCost),
      ),
      h(
        "div",
        { class: "check" },
        fallback,
        h("label", { for: "fallback" }, "When a scene keeps failing, use a title card instead of failing the video"),
      ),
    ),
    h("div", { class: "actions" }, generate),
    formError,
  );

  form.addEventListener("input", () => {
    submission = randomKey();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!prompt.value.trim()) {
      prompt.setCustomValidity("Write what the video should explain.");
      prompt.reportValidity();
      prompt.setCustomValidity("");
      return;
    }
    const body = {
      prompt: prompt.value,
      quality: quality.value,
      style: style.value,
      fallback: fallback.checked,
      render: {
        max_retries: Number(retries.value || 2),
        max_fix_rounds: Number(fixRounds.value || 1),
        max_scene_seconds: Number(sceneSeconds.value || 300),
        aspect: aspect.value,
      },
    };
    if (duration.value) body.render.duration_s = Number(duration.value);
    if (resolution.value) body.render.resolution = resolution.value;
    if (fps.value) body.render.fps = Number(fps.value);
    if (scenes.value) body.scene_count = Number(scenes.value);
    const budget = {};
    if (maxCalls.value) budget.max_calls = Number(maxCalls.value);
    if (maxCost.value) budget.max_cost_usd = Number(maxCost.value);
    if (Object.keys(budget).length) body.budget = budget;
    generate.disabled = true;
    setText(generate, "Starting…");
    show(formError, false);
    try {
      const [file] = image.files;
      if (file) {
        // uploading the same bytes again answers the same asset: a retried submit is harmless
        setText(generate, "Uploading the image…");
        const asset = await api.upload("assets", "file", file);
        body.assets = [{ id: asset.asset_id, role: "image", description: imageText.value.trim() }];
        setText(generate, "Starting…");
      }
      const accepted = await api.post("generate", body, { "Idempotency-Key": submission });
      try {
        sessionStorage.setItem(PROMPT_ITEM + accepted.project_id, prompt.value);
      } catch {
        // no storage: the project page shows the prompt once the project is saved
      }
      const params = new URLSearchParams({ project: accepted.project_id, job: accepted.job_id });
      location.assign(`?${params}`);
    } catch (problem) {
      setText(formError, api.explain(problem));
      show(formError, true);
      report(problem);
      generate.disabled = false;
      setText(generate, "Generate");
    }
  });

  const list = h("ul", { class: "projects", "aria-labelledby": "projects-heading" });
  const empty = h("p", { class: "empty", hidden: true }, "No projects yet. Write a prompt above and press Generate; your videos are listed here.");
  const pageLabel = h("span", { class: "page-label" });
  const previous = h("button", { type: "button", class: "quiet" }, "Previous page");
  const next = h("button", { type: "button", class: "quiet" }, "Next page");
  const pager = h("nav", { class: "pager", "aria-label": "Project pages", hidden: true }, previous, pageLabel, next);
  const heading = h("h2", { id: "projects-heading", tabIndex: -1 }, "Projects");
  const section = h(
    "section",
    { id: "projects", class: "projects-section", "aria-labelledby": "projects-heading" },
    heading,
    empty,
    list,
    pager,
  );
  let page = 1;
  let disposed = false;

  async function loadProjects() {
    let listing;
    let active = [];
    try {
      [listing, active] = await Promise.all([
        api.get(`projects?page=${page}&page_size=${PAGE_SIZE}`),
        activeJobs(),
      ]);
    } catch (problem) {
      report(problem);
      return;
    }
    if (disposed) return;
    const pages = Math.max(1, Math.ceil(listing.count / PAGE_SIZE));
    const byProject = new Map(active.map((job) => [job.projectId, job]));
    fill(list, listing.data.map((p) => projectItem(p, byProject.get(p.project_id))));
    show(empty, listing.count === 0);
    show(pager, pages > 1);
    setText(pageLabel, `Page ${page} of ${pages}`);
    previous.disabled = page <= 1;
    next.disabled = page >= pages;
  }

  previous.addEventListener("click", () => {
    page -= 1;
    loadProjects();
  });
  next.addEventListener("click", () => {
    page += 1;
    loadProjects();
  });

  function projectItem(project, job) {
    const titleId = uid("project");
    const link = h("a", { href: `?${new URLSearchParams({ project: project.project_id })}` }, project.title || "Untitled");
    const thumb = h("img", { class: "thumb", alt: "", width: 160, height: 90, loading: "lazy" });
    if (project.current_version !== null) {
      api
        .mediaUrl(`${api.API}/projects/${encodeURIComponent(project.project_id)}/thumbnail?version=${project.current_version}`)
        .then((url) => {
          thumb.src = url;
        })
        .catch(() => thumb.classList.add("none"));
    } else {
      thumb.classList.add("none");
    }
    let status;
    if (job) status = `${job.kind === "edit" ? "Editing" : "Making"}: ${jobs.label(job.stage ?? job.status)}`;
    else if (project.current_version !== null) status = `Version ${project.current_version} · ${seconds(project.duration)}`;
    else status = project.status === "failed" ? "Failed before any video" : "No video yet";
    const remove = h("button", { type: "button", class: "quiet danger", "aria-describedby": titleId }, "Delete");
    remove.addEventListener("click", () => confirmDelete(project, remove));
    return h(
      "li",
      { class: "project" },
      thumb,
      h(
        "div",
        { class: "project-text" },
        h("h3", { id: titleId }, link),
        h("p", { class: "meta" }, status, " · ", h("time", { dateTime: project.updated_at }, when(project.updated_at))),
      ),
      remove,
    );
  }

  function confirmDelete(project, opener) {
    const dialog = document.getElementById("confirm-delete");
    setText(document.getElementById("confirm-text"), `“${project.title || "Untitled"}” and all its versions will be deleted for good.`);
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      async () => {
        if (dialog.returnValue !== "delete") {
          opener.focus();
          return;
        }
        try {
          await api.del(`projects/${encodeURIComponent(project.project_id)}`);
          say("");
          await loadProjects();
          heading.focus();
        } catch (problem) {
          report(problem);
        }
      },
      { once: true },
    );
    dialog.showModal();
  }

  async function loadPresets() {
    try {
      const presets = await api.get("presets");
      fillSelect(quality, presets.qualities, "low");
      fillSelect(style, presets.styles, "dark");
    } catch (problem) {
      report(problem);
    }
  }

  return {
    root: h("div", { class: "home" }, form, section),
    start() {
      loadPresets();
      if (location.hash === "#projects") loadProjects().then(() => heading.focus());
      else {
        loadProjects();
        prompt.focus();
      }
    },
    dispose() {
      disposed = true;
    },
  };
}

function fillSelect(select, options, preferred) {
  const chosen = select.value || preferred;
  fill(
    select,
    Object.entries(options).map(([value, description]) =>
      h("option", { value, selected: value === chosen }, `${value}: ${description}`),
    ),
  );
}

async function activeJobs() {
  try {
    const listing = await api.get("jobs?page_size=100");
    return listing.data.map(jobs.fromStatus).filter(jobs.isActive);
  } catch {
    return [];
  }
}
