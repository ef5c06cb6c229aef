// The studio's entry: pick the view from the URL (`/` or `/?project=ID[&job=ID]`).

import { fill } from "./dom.js";
import { homeView } from "./home.js";
import { setUpKeys } from "./notices.js";
import { projectView } from "./project.js";

const main = document.getElementById("main");
let view = null;

function route() {
  view?.dispose();
  const params = new URLSearchParams(location.search);
  const project = params.get("project");
  view = project ? projectView(project, params.get("job")) : homeView();
  fill(main, view.root);
  view.start();
}

// Ctrl+Enter (or Cmd+Enter) in a text box submits its form.
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && box instanceof HTMLTextAreaElement) {
    event.preventDefault();
    box.form?.requestSubmit();
  }
});

setUpKeys(route);
route();
