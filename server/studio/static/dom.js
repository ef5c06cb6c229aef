// Building the page from data. Text always goes in as text nodes: nothing here (or anywhere
// in the studio) parses a string as HTML, and the page's Trusted Types policy forbids it.

/**
 * Make an element: `h("button", {type: "button", onclick: f}, "Cancel")`.
 * Props: `class`, `for`, `hidden`, `aria-*`, `data-*` and other attributes by name;
 * `on<event>` functions become listeners; other keys are set as properties.
 * Children: nodes, strings (as text), numbers, or null/false (skipped); arrays are flattened.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "for") {
      el.htmlFor = value;
    } else if (name.includes("-") || name === "role" || name === "hidden") {
      el.setAttribute(name, value === true ? "" : String(value));
    } else {
      el[name] = value;
    }
  }
  append(el, children);
  return el;
}

/**
 * A video player whose box takes the video's own shape once its size is known, at most
 * 70% of the window high: a portrait or square video fills it instead of playing between
 * the bars of a 16:9 box.
 */
export function player(props = {}) {
  const video = h("video", { controls: true, preload: "metadata", playsInline: true, ...props });
  video.addEventListener("loadedmetadata", () => {
    const { videoWidth: width, videoHeight: height } = video;
    if (!width || !height) return;
    video.style.aspectRatio = `${width} / ${height}`;
    video.style.maxWidth = `calc(70vh * ${width} / ${height})`;
  });
  return video;
}

/** Append children (see `h`) to `el`. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace everything inside `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Set `el`'s text, touching the DOM only when it changes (keeps screen readers calm). */
export function setText(el, text) {
  const value = text ?? "";
  if (el.textContent !== value) el.textContent = value;
}

/** Show or hide `el`. */
export function show(el, visible) {
  el.hidden = !visible;
}

let counter = 0;
/** A fresh id for label/description links. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** "23 s", "1 min 5 s". */
export function seconds(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "";
  const total = Math.round(value);
  if (total < 60) return `${total} s`;
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}

/** A stored timestamp in the reader's locale. */
export function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
}
