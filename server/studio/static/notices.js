// Page-wide messages and the API key panel.

import { ApiProblem, apiKey, explain, onKeyChange, setApiKey } from "./api.js";
import { setText, show } from "./dom.js";

const notice = document.getElementById("notice");
const keyPanel = document.getElementById("key-panel");
const keyForm = document.getElementById("key-form");
const keyInput = document.getElementById("api-key");
const keyWhy = document.getElementById("key-why");
const forgetKey = document.getElementById("forget-key");
const NEEDS_KEY =
  "Every request to this server must carry an API key. Ask the server's owner for one " +
  "(they make one with: manimgraph keys create NAME).";

/** Show a page-wide message (empty: hide it). */
export function say(message) {
  setText(notice, message);
  show(notice, Boolean(message));
}

/** Explain a failed request on the page; a 401 also opens the key panel. */
export function report(problem) {
  if (problem instanceof ApiProblem && problem.needsKey) askForKey(problem);
  say(explain(problem));
}

function askForKey(problem) {
  const invalid = problem.code === "invalid_api_key" || Boolean(apiKey());
  setText(
    keyWhy,
    invalid
      ? "The server refused the key this tab was using: it is unknown or was revoked. Enter a valid key."
      : NEEDS_KEY,
  );
  if (invalid) setApiKey("");
  const opening = keyPanel.hidden;
  show(keyPanel, true);
  if (opening) keyInput.focus();
}

/** Wire the key panel; `onKey` runs when a new key is entered or the key is forgotten. */
export function setUpKeys(onKey) {
  show(forgetKey, Boolean(apiKey()));
  onKeyChange((key) => show(forgetKey, Boolean(key)));
  keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) return;
    keyInput.value = "";
    setApiKey(key);
    show(keyPanel, false);
    say("");
    onKey();
  });
  forgetKey.addEventListener("click", () => {
    setApiKey("");
    say("This tab forgot its API key.");
    onKey();
  });
}
