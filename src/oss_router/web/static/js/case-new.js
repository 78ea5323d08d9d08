// A new case, empty or opened from a request (?request_id=… or ?inbound_id=…, filed in it at once).
import { REQUEST_ROLES, api, initChrome, requireSession, show } from "./common.js";
import { clearErrors, showErrors } from "./form-errors.js";

requireSession();
await initChrome(REQUEST_ROLES);

const form = document.getElementById("case-form");
const params = new URLSearchParams(window.location.search);
const UUID = /^[0-9a-f-]{36}$/i;
const from = document.getElementById("case-from");
for (const [name, page, words] of [["request_id", "/requests/", "the request"], ["inbound_id", "/inbound/", "the received request"]]) {
  const id = params.get(name);
  if (!id || !UUID.test(id)) continue;
  form.elements[name].value = id;
  from.textContent = `Opened from ${words} ${id.slice(0, 8)}: it is filed in the new case at once.`;
  show(from, true);
  document.getElementById("case-cancel").setAttribute("href", page + id);
}

function body() {
  const value = (name) => form.elements[name].value.trim();
  const sent = { title: value("title"), reference: value("reference"), crime_area: value("crime_area"), handling_code: value("handling_code") };
  for (const name of ["request_id", "inbound_id"]) if (value(name)) sent[name] = value(name);
  return sent;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const result = await api("/v1/cases", { method: "POST", body: body() });
    if (result.ok) {
      window.location.assign("/cases/" + result.data.id);
      return;
    }
    showErrors(form, result.data || { detail: "The service answered " + result.status + "." });
  } catch {
    showErrors(form, { detail: "The gateway cannot be reached; nothing was sent. Try again." });
  } finally {
    button.disabled = false;
  }
});
form.elements.title.focus();
