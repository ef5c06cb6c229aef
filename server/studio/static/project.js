// A project's page (`?project=ID[&job=ID]`): the running job's progress, the final video,
// and one card per scene with its player, an edit box and its versions.

import * as api from "./api.js";
import { fill, h, player, seconds, setText, show, uid, when } from "./dom.js";
import { PROMPT_ITEM } from "./home.js";
import * as jobs from "./jobstate.js";
import { report } from "./notices.js";
import { watchJob } from "./stream.js";

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function storedPrompt(projectId) {
  try {
    return sessionStorage.getItem(PROMPT_ITEM + projectId);
  } catch {
    return null;
  }
}

const settingMedia = new WeakMap(); // element → Map(attribute → {url, setting})

/** Point `el[attr]` at `url` (through the key-aware media cache); resolves once set. */
function setMedia(el, attr, url) {
  let byAttr = settingMedia.get(el);
  if (!byAttr) settingMedia.set(el, (byAttr = new Map()));
  const known = byAttr.get(attr);
  if (known?.url === url) return known.setting;
  const setting = api
    .mediaUrl(url)
    .then((resolved) => {
      if (byAttr.get(attr)?.url === url) el[attr] = resolved;
    })
    .catch((problem) => {
      if (problem?.needsKey) report(problem); // a missing thumbnail is no news
    });
  byAttr.set(attr, { url, setting });
  return setting;
}

/** The last `setMedia(el, attr, ...)`, settled. */
const mediaSet = (el, attr) => settingMedia.get(el)?.get(attr)?.setting ?? Promise.resolve();

function setJobInUrl(jobId) {
  const params = new URLSearchParams(location.search);
  if (jobId) params.set("job", jobId);
  else params.delete("job");
  history.replaceState(null, "", `?${params}`);
}

export function projectView(projectId, jobParam) {
  const pid = encodeURIComponent(projectId);
  let project = null; // the API's ProjectPublic
  let missing = false;
  let job = null; // a JobView (jobstate.js)
  let stream = null;
  let ended = false;
  let reconnecting = false;
  let editing = null; // the scene an edit job changes, when known
  let disposed = false;
  let sceneOrder = "";
  const playing = new Map(); // scene number → version chosen with "Play version N"
  const cards = new Map(); // scene number → card
  const prompt = storedPrompt(projectId);

  // -- skeleton --------------------------------------------------------------------------
  const title = h("h1", { id: "project-title", tabIndex: -1 }, "Loading…");
  const promptText = h("span", { class: "prompt-text" });
  const promptLine = h("p", { class: "prompt", hidden: true }, h("span", { class: "label" }, "Prompt: "), promptText);
  const info = h("p", { class: "meta" });
  const missingLine = h(
    "p",
    { class: "panel", hidden: true },
    "There is no project with this id here: it may have been deleted, or it belongs to another API key. ",
    h("a", { href: "./#projects" }, "See all projects"),
  );
  const announcer = h("p", { class: "visually-hidden", role: "status" });

  const jobHeading = h("h2", { id: uid("job") }, "Making the video");
  const stageLine = h("p", { class: "stage" });
  const bar = h("progress", { max: 1, value: 0, "aria-label": "Job progress" });
  const messageLine = h("p", { class: "message" });
  const errorLine = h("p", { class: "error", role: "alert", hidden: true });
  const cancel = h("button", { type: "button", class: "danger" }, "Cancel");
  const resume = h("button", { type: "button", hidden: true }, "Resume");
  const jobPanel = h(
    "section",
    { class: "panel job", "aria-labelledby": jobHeading.id, hidden: true },
    jobHeading,
    stageLine,
    bar,
    messageLine,
    errorLine,
    h("div", { class: "actions" }, cancel, resume),
  );

  const finalHeading = h("h2", { id: uid("final") }, "Video");
  const finalVideo = player({ "aria-label": "Final video" });
  const finalMeta = h("p", { class: "meta" });
  const download = h("a", { class: "button primary", download: "" }, "Download video");
  const olderList = h("ul", { class: "downloads" });
  const older = h("details", { class: "older", hidden: true }, h("summary", {}, "Earlier versions of the video"), olderList);
  const finalPanel = h(
    "section",
    { class: "panel final", "aria-labelledby": finalHeading.id, hidden: true },
    finalHeading,
    finalVideo,
    finalMeta,
    h("div", { class: "actions" }, download),
    older,
  );

  const scenesHeading = h("h2", { id: uid("scenes") }, "Scenes");
  const scenesHint = h("p", { class: "hint" });
  const scenesList = h("ol", { class: "scenes" });
  const scenesSection = h("section", { class: "scenes-section", "aria-labelledby": scenesHeading.id }, scenesHeading, scenesHint, scenesList);

  const root = h(
    "div",
    { class: "project-page" },
    h("p", { class: "back" }, h("a", { href: "./#projects" }, "All projects")),
    title,
    promptLine,
    info,
    missingLine,
    announcer,
    jobPanel,
    finalPanel,
    scenesSection,
  );

  const announce = (message) => setText(announcer, message);

  // -- loading ---------------------------------------------------------------------------
  async function reloadProject() {
    try {
      project = await api.get(`projects/${pid}`);
      missing = false;
    } catch (problem) {
      if (problem.status === 404) {
        project = null;
        missing = true;
      } else {
        report(problem);
      }
    }
  }

  async function findJob() {
    if (jobParam) {
      try {
        return jobs.fromStatus(await api.get(`jobs/${encodeURIComponent(jobParam)}`));
      } catch (problem) {
        if (problem.status !== 404) report(problem);
        return null;
      }
    }
    try {
      const listing = await api.get("jobs?page_size=100");
      const mine = listing.data.map(jobs.fromStatus).filter((j) => j.projectId === projectId);
      return mine.find(jobs.isActive) ?? null;
    } catch (problem) {
      report(problem);
      return null;
    }
  }

  // -- the job ---------------------------------------------------------------------------
  function editedScene() {
    if (editing !== null) return editing;
    if (job?.kind === "edit" && job.scenes.size === 1) return [...job.scenes.keys()][0];
    return null;
  }

  function follow(view) {
    job = view;
    ended = false;
    reconnecting = false;
    stream?.close();
    setJobInUrl(job.jobId);
    stream = watchJob(job.jobId, {
      onEvent(type, data) {
        if (disposed) return;
        const before = new Set(jobs.scenesOf(job).filter(jobs.sceneFinished).map((s) => s.number));
        jobs.foldEvent(job, type, data);
        reconnecting = false;
        renderJob();
        renderScenes();
        const done = jobs.scenesOf(job).filter((s) => jobs.sceneFinished(s) && !before.has(s.number));
        if (done.length && jobs.isActive(job)) announce(`Scene ${done.map((s) => s.number).join(", ")} rendered.`);
        if (!jobs.isActive(job)) jobEnded();
      },
      onProblem: report,
      onReconnecting() {
        reconnecting = true;
        renderJob();
      },
    });
    renderJob();
    renderScenes();
  }

  async function jobEnded() {
    if (ended) return;
    ended = true;
    stream?.close();
    stream = null;
    if (job.status === "completed") setJobInUrl(null);
    await reloadProject();
    const scene = editedScene();
    if (job.status === "completed" && scene !== null) playing.delete(scene);
    render();
    if (job.status === "completed") {
      announce(
        job.kind === "edit" && scene !== null
          ? `Scene ${scene} has a new version, and the video was assembled again.`
          : "Done: the video is ready.",
      );
    } else {
      announce(""); // the job panel's alert says why it stopped
    }
  }

  cancel.addEventListener("click", async () => {
    if (!job) return;
    cancel.disabled = true;
    try {
      jobs.foldStatus(job, await api.del(`jobs/${encodeURIComponent(job.jobId)}`));
      renderJob();
      if (!jobs.isActive(job)) jobEnded();
    } catch (problem) {
      if (problem.status !== 409) report(problem); // 409: it just ended; the stream says how
    } finally {
      cancel.disabled = false;
    }
  });

  resume.addEventListener("click", async () => {
    if (!job) return;
    resume.disabled = true;
    try {
      const accepted = await api.post(`jobs/${encodeURIComponent(job.jobId)}/resume`);
      follow(jobs.newJob(accepted.job_id, { kind: job.kind, projectId }));
    } catch (problem) {
      report(problem);
    } finally {
      resume.disabled = false;
    }
  });

  // -- drawing ---------------------------------------------------------------------------
  function render() {
    renderHeader();
    renderJob();
    renderFinal();
    renderScenes();
  }

  function renderHeader() {
    const name = project?.title || (job ? "New video" : missing ? "Project not found" : "Loading…");
    setText(title, name);
    document.title = `${name} · manimgraph studio`;
    const promptValue = project?.prompt ?? prompt;
    show(promptLine, Boolean(promptValue));
    setText(promptText, promptValue ?? "");
    setText(
      info,
      project ? `${project.quality} quality · ${project.style} style · created ${when(project.created_at)}` : "",
    );
    show(missingLine, missing && !job);
  }

  function renderJob() {
    show(jobPanel, Boolean(job));
    if (!job) return;
    const active = jobs.isActive(job);
    const scene = editedScene();
    setText(jobHeading, job.kind === "edit" ? (scene !== null ? `Editing scene ${scene}` : "Editing a scene") : "Making the video");
    let stage;
    if (active) {
      stage = `${jobs.label(job.stage ?? job.status)} · ${Math.round(job.progress * 100)}%`;
      const left = job.eta ? (Date.parse(job.eta) - Date.now()) / 1000 : NaN;
      if (left > 0) stage += ` · about ${seconds(left)} left`;
    } else {
      stage = job.status === "completed" ? "Done" : jobs.label(job.status);
    }
    setText(stageLine, stage);
    bar.value = job.progress;
    show(bar, active);
    setText(messageLine, reconnecting ? "The connection dropped; reconnecting…" : active ? job.message : "");
    const error = active ? "" : jobs.errorSentence(job);
    setText(errorLine, error);
    show(errorLine, Boolean(error));
    show(cancel, active);
    show(resume, job.status === "failed" || job.status === "cancelled");
  }

  function renderFinal() {
    const current = project?.versions.find((v) => v.version === project.current_version);
    show(finalPanel, Boolean(current));
    if (!current) return;
    setMedia(finalVideo, "src", current.download_url);
    setMedia(finalVideo, "poster", `${api.API}/projects/${pid}/thumbnail?version=${current.version}`);
    finalVideo.setAttribute("aria-label", `Final video, version ${current.version}`);
    setText(finalMeta, `Version ${current.version} · ${seconds(current.duration)} · made ${when(current.created_at)}`);
    download.download = `${projectId}-v${current.version}.mp4`;
    setMedia(download, "href", current.download_url);
    const others = project.versions.filter((v) => v !== current).reverse();
    show(older, others.length > 0);
    fill(
      olderList,
      others.map((v) => {
        const link = h("a", { download: `${projectId}-v${v.version}.mp4` }, `Download version ${v.version}`);
        setMedia(link, "href", v.download_url);
        return h("li", {}, link, ` · ${seconds(v.duration)} · ${when(v.created_at)}`);
      }),
    );
  }

  function renderScenes() {
    const numbers = new Set((project?.scenes ?? []).map((s) => s.number));
    // a running job's scenes, or those of a job that stopped before the project had any
    if (job && (jobs.isActive(job) || numbers.size === 0)) for (const n of job.scenes.keys()) numbers.add(n);
    const sorted = [...numbers].sort((a, b) => a - b);
    for (const n of sorted) if (!cards.has(n)) cards.set(n, sceneCard(n));
    const order = sorted.join(",");
    if (order !== sceneOrder) {
      sceneOrder = order;
      fill(scenesList, sorted.map((n) => cards.get(n).root));
    }
    for (const n of sorted) cards.get(n).update();
    const planning = job && jobs.isActive(job) && sorted.length === 0;
    setText(scenesHint, planning ? "The scenes appear here as soon as the plan is made." : "");
    show(scenesHint, Boolean(planning));
  }

  // -- a scene card ----------------------------------------------------------------------
  function sceneCard(n) {
    const headingId = uid("scene");
    const heading = h("h3", { id: headingId, tabIndex: -1 }, `Scene ${n}`);
    const state = h("span", { class: "state" });
    const facts = h("p", { class: "facts" });
    const fallbackLine = h("p", { class: "fallback", hidden: true });
    const repairs = h("ul", { class: "repairs", "aria-label": `Repairs of scene ${n}`, hidden: true });
    const video = player({ hidden: true });
    const placeholder = h("p", { class: "placeholder" });
    const playingLine = h("p", { class: "meta" });
    const boxId = uid("edit");
    const box = h("textarea", {
      id: boxId,
      rows: 2,
      maxLength: 4000,
      placeholder: "e.g. make the circle blue and slow it down",
    });
    const apply = h("button", { type: "submit" }, "Apply edit");
    const cardError = h("p", { class: "error", role: "alert", hidden: true });
    const form = h(
      "form",
      { class: "edit", hidden: true },
      h("label", { for: boxId }, `Edit scene ${n}`),
      box,
      h("div", { class: "actions" }, apply),
    );
    const versionsHeading = h("h4", {}, "Versions");
    const versions = h("ol", { class: "versions", "aria-label": `Versions of scene ${n}` });
    const versionsBlock = h("div", { class: "versions-block", hidden: true }, versionsHeading, versions);
    const buttons = new Map(); // version → its "Play version N" button
    let versionsKey = "";

    const root = h(
      "li",
      {},
      h(
        "article",
        { class: "panel scene", "aria-labelledby": headingId },
        h("div", { class: "scene-head" }, heading, state),
        facts,
        fallbackLine,
        repairs,
        video,
        placeholder,
        playingLine,
        form,
        cardError,
        versionsBlock,
      ),
    );

    const stored = () => project?.scenes.find((s) => s.number === n) ?? null;
    const fail = (problem) => {
      setText(cardError, api.explain(problem));
      show(cardError, true);
      if (problem.needsKey || problem.status === 429) report(problem);
    };

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!box.value.trim()) {
        box.setCustomValidity("Say what should change in this scene.");
        box.reportValidity();
        box.setCustomValidity("");
        return;
      }
      apply.disabled = true;
      show(cardError, false);
      try {
        const accepted = await api.post("edit-scene", {
          project_id: projectId,
          scene_number: n,
          edit_prompt: box.value,
        });
        box.value = "";
        editing = n;
        follow(jobs.newJob(accepted.job_id, { kind: "edit", projectId }));
        announce(`Editing scene ${n}…`);
      } catch (problem) {
        fail(problem);
      } finally {
        update();
      }
    });

    async function play(version) {
      playing.set(n, version);
      update();
      await mediaSet(video, "src");
      video.play().catch(() => {}); // the browser may refuse; the controls still work
    }

    async function revert(version) {
      show(cardError, false);
      try {
        project = await api.post(`projects/${pid}/scenes/${n}/revert`, { version });
        playing.delete(n);
        render();
        heading.focus();
        announce(`Scene ${n}: version ${version} is current again, and the video was assembled again.`);
      } catch (problem) {
        fail(problem);
      }
    }

    function versionItem(scene, v, busy) {
      const isCurrent = v.version === scene.current_version;
      const labelId = uid("version");
      const thumb = h("img", { class: "thumb", alt: `Scene ${n}, version ${v.version}, last frame`, width: 96, height: 54, loading: "lazy" });
      if (v.thumbnail_url) setMedia(thumb, "src", v.thumbnail_url);
      else thumb.classList.add("none");
      const playButton = h("button", { type: "button", class: "quiet", "aria-pressed": "false" }, `Play version ${v.version}`);
      playButton.addEventListener("click", () => play(v.version));
      buttons.set(v.version, playButton);
      const revertButton = isCurrent
        ? null
        : h("button", { type: "button", "aria-describedby": labelId, disabled: busy }, "Revert to this version");
      revertButton?.addEventListener("click", () => revert(v.version));
      const code = h("a", { class: "code-link", "aria-describedby": labelId, target: "_blank", rel: "noopener" }, "Code");
      setMedia(code, "href", v.source_url);
      const facts = [when(v.created_at), seconds(v.duration), plural(v.attempts, "attempt")];
      if (v.repairs.length) facts.push(plural(v.repairs.length, "repair"));
      if (v.fallback_used) facts.push(`title card: ${v.fallback_reason ?? "the scene kept failing"}`);
      return h(
        "li",
        { class: isCurrent ? "version current" : "version", "aria-labelledby": labelId },
        thumb,
        h(
          "div",
          { class: "version-text" },
          h("p", { id: labelId, class: "version-name" }, `Version ${v.version}`, isCurrent ? [" ", h("span", { class: "tag" }, "current")] : null),
          h("p", { class: "edit-prompt" }, v.edit_prompt ? h("q", {}, v.edit_prompt) : "Made from the prompt"),
          h("p", { class: "meta" }, facts.join(" · ")),
        ),
        h("div", { class: "actions" }, playButton, revertButton, code),
      );
    }

    function update() {
      const scene = stored();
      const busy = jobs.isActive(job);
      const live = job && (busy || !scene) ? (job.scenes.get(n) ?? null) : null;
      const current = scene?.versions.find((v) => v.version === scene.current_version) ?? null;

      setText(heading, live?.title ? `Scene ${n}: ${live.title}` : `Scene ${n}`);
      const stateName = live ? live.state : current?.fallback_used ? "fallback" : current ? "done" : "queued";
      setText(state, live ? jobs.label(live.state) : current?.fallback_used ? "Title card" : current ? "Rendered" : "Waiting");
      state.dataset.state = stateName;

      const attempts = live?.attempts || current?.attempts || 0;
      const repairList = Array.isArray(live?.repairs) ? live.repairs : (current?.repairs ?? []);
      const repairCount = typeof live?.repairs === "number" ? live.repairs : repairList.length;
      const factList = [];
      if (attempts) factList.push(plural(attempts, "attempt"));
      if (repairCount) factList.push(plural(repairCount, "repair"));
      if (current && !live) factList.push(seconds(current.duration));
      if (current?.layout_issues && !live) factList.push(plural(current.layout_issues, "layout issue"));
      setText(facts, factList.join(" · "));
      const reason = live?.fallbackReason ?? (current?.fallback_used ? (current.fallback_reason ?? "the scene kept failing") : null);
      setText(fallbackLine, reason ? `A title card stands in for this scene: ${reason}` : "");
      show(fallbackLine, Boolean(reason));
      fill(repairs, repairList.map((line) => h("li", {}, line)));
      show(repairs, repairList.length > 0);

      const chosen = playing.get(n) ?? scene?.current_version ?? null;
      const version = scene?.versions.find((v) => v.version === chosen) ?? null;
      const url = version?.video_url ?? live?.videoUrl ?? null;
      show(video, Boolean(url));
      if (url) {
        setMedia(video, "src", url);
        video.setAttribute("aria-label", version ? `Scene ${n} video, version ${version.version}` : `Scene ${n} video`);
      }
      setText(
        playingLine,
        version ? `Playing version ${version.version}${version.version === scene.current_version ? " (current)" : ""}` : "",
      );
      let waiting = "";
      if (!url) {
        if (live && jobs.sceneFinished(live)) waiting = "Rendered. It can be played once the job saves the video.";
        else if (live && busy) waiting = `${jobs.label(live.state)}…`;
        else if (!scene) waiting = "No video: the job stopped before this scene was saved.";
      }
      setText(placeholder, waiting);
      show(placeholder, Boolean(waiting));

      show(form, Boolean(scene));
      apply.disabled = busy;
      apply.title = busy ? "Wait for the running job to finish" : "";

      const key = scene ? `${scene.current_version}|${scene.versions.map((v) => v.version).join(",")}|${busy}` : "";
      if (key !== versionsKey) {
        versionsKey = key;
        buttons.clear();
        fill(versions, scene ? [...scene.versions].reverse().map((v) => versionItem(scene, v, busy)) : []);
      }
      show(versionsBlock, Boolean(scene));
      for (const [number, button] of buttons) button.setAttribute("aria-pressed", String(number === chosen));
    }

    return { root, update };
  }

  return {
    root,
    async start() {
      render();
      await reloadProject();
      const found = await findJob();
      if (disposed) return;
      if (job !== null) {
        // an edit started meanwhile: that job is the one to follow
      } else if (found && jobs.isActive(found)) {
        follow(found);
      } else if (found) {
        job = found;
        ended = true;
        if (job.status === "completed") setJobInUrl(null);
      }
      render();
    },
    dispose() {
      disposed = true;
      stream?.close();
    },
  };
}
