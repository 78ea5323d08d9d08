// New request: one form per kind, live routing preview, server errors at their fields.
import {
  api, channelLabel, countryName, el, formatFullTime, formatTime, initChrome, labels,
  problemText, requireSession, show,
} from "./common.js";

const PREVIEW_DELAY_MS = 300;

const current = requireSession();
initChrome(current);

const form = document.getElementById("new-request");
let idempotencyKey = crypto.randomUUID();
let previewSeq = 0;
let previewTimer = null;

// ---- the form as an API body -----------------------------------------------------------

function kind() {
  return form.elements.kind.value;
}

function showKind() {
  for (const fieldset of form.querySelectorAll("fieldset.subject")) {
    const active = fieldset.dataset.kind === kind();
    fieldset.hidden = !active;
    fieldset.disabled = !active;  // hidden fields are neither focusable nor sent
  }
}

const codes = (text) => text.split(/[\s,;]+/).map((c) => c.trim().toUpperCase()).filter(Boolean);

function loci(text) {
  const result = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [name, alleles = ""] = line.split(":");
    result[name.trim()] = alleles.split(/[\s,;]+/).map((a) => a.trim()).filter(Boolean);
  }
  return result;
}

const SUBJECT_PARSERS = {
  nationalities: codes,
  aliases: (text) => text.split(";").map((a) => a.trim()).filter(Boolean),
  loci,
};

function subject() {
  const result = {};
  const fieldset = form.querySelector(`fieldset.subject[data-kind="${kind()}"]`);
  for (const control of fieldset.querySelectorAll("[name^='subject.']")) {
    const name = control.name.slice("subject.".length);
    const raw = control.value.trim();
    if (!raw) continue;
    const value = SUBJECT_PARSERS[name] ? SUBJECT_PARSERS[name](control.value) : raw;
    if (Array.isArray(value) && value.length === 0) continue;
    result[name] = value;
  }
  return result;
}

function text(name) {
  return form.elements[name].value.trim();
}

function body() {
  const urgent = form.elements.urgency.value === "urgent";
  const result = {
    kind: kind(),
    subject: subject(),
    target_countries: codes(text("target_countries")),
    purpose: text("purpose"),
    urgency: form.elements.urgency.value,
    access_type: form.elements.access_type.value,
    crime_area: form.elements.crime_area.value,
    border_area: form.elements.border_area.checked,
    handling_code: form.elements.handling_code.value,
  };
  if (urgent && text("urgency_ground")) result.urgency_ground = text("urgency_ground");
  if (text("sis_alert_id")) result.sis_alert_id = text("sis_alert_id");
  if (text("reference")) result.reference = text("reference");
  if (text("preferred_channel")) {
    result.preferred_channel = text("preferred_channel");
    result.override_reason = text("override_reason");
  }
  return result;
}

// ---- errors at their fields ------------------------------------------------------------

/** The form element that holds field ``name`` (``subject.loci.D3S1358[0]`` → loci). */
function fieldBox(name) {
  let path = name.replace(/\[\d+\]/g, "");
  for (;;) {
    const box = form.querySelector(`[data-field="${CSS.escape(path)}"]:not([disabled] *)`);
    if (box && !box.closest("[hidden]")) return box;
    if (path === "subject") return form.querySelector(`fieldset.subject[data-kind="${kind()}"]`);
    if (!path.includes(".")) return null;
    path = path.slice(0, path.lastIndexOf("."));
  }
}

/** The visible label of a field box, without the required-field mark. */
function fieldLabel(box) {
  const label = box && box.querySelector(":scope > label, :scope > .label, :scope > legend");
  if (!label) return box && box.matches("fieldset.subject") ? "Subject" : null;
  return label.textContent.replace("*", "").trim();
}

function clearErrors() {
  form.querySelectorAll(".field-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((node) => {
    node.removeAttribute("aria-invalid");
    const ids = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.startsWith("error-"));
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  });
  form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
  show(document.getElementById("form-errors"), false);
}

function showErrors(problem) {
  clearErrors();
  const list = document.getElementById("form-errors-list");
  list.replaceChildren();
  document.getElementById("form-errors-detail").textContent = problem.detail || problem.title || "";
  (problem.errors || []).forEach((error, index) => {
    const box = fieldBox(error.field);
    const id = "error-" + index;
    const control = box ? box.querySelector("input:not([type=hidden]), select, textarea") : null;
    if (box) {
      box.classList.add("has-error");
      const message = el("p", { class: "field-error", id, dataset: { errorFor: error.field } },
        el("span", { class: "visually-hidden" }, "Error: "), error.message);
      const anchor = box.querySelector(":scope > label, :scope > .label, :scope > legend");
      if (anchor) anchor.after(message); else box.prepend(message);
      if (control) {
        control.setAttribute("aria-invalid", "true");
        const described = control.getAttribute("aria-describedby");
        control.setAttribute("aria-describedby", described ? `${id} ${described}` : id);
      }
    }
    const target = control && control.id ? "#" + control.id : null;
    const label = `${fieldLabel(box) || error.field}: ${error.message}`;
    list.append(el("li", {}, target ? el("a", { href: target }, label) : label));
  });
  const summary = document.getElementById("form-errors");
  show(summary, true);
  summary.focus();
}

// ---- routing preview -------------------------------------------------------------------

function previewState(message, isError = false) {
  const node = document.getElementById("preview-state");
  node.textContent = message;
  node.className = isError ? "alert alert-error" : "muted";
}

function renderPreview(preview) {
  const rows = preview.dispatches.map((d) =>
    el("tr", { dataset: { country: d.country, channel: d.channel, rule: d.rule } },
      el("td", {}, el("strong", {}, d.country), el("div", { class: "muted small" }, countryName(d.country))),
      el("td", {}, el("span", { class: "channel channel-" + d.channel }, channelLabel(d.channel))),
      el("td", {}, el("span", { class: "rule" }, d.rule), el("div", { class: "small explanation" }, d.explanation)),
      el("td", {}, el("time", { datetime: d.due_at, title: formatFullTime(d.due_at) }, formatTime(d.due_at)),
        el("div", { class: "muted small" }, d.deadline_basis))));
  document.getElementById("preview-rows").replaceChildren(...rows);
  show(document.getElementById("preview-table"), rows.length > 0);
  document.getElementById("preview-warnings").replaceChildren(
    ...preview.warnings.map((w) => el("li", { class: "warning", dataset: { code: w.code } },
      el("span", { "aria-hidden": "true" }, "⚠ "), w.message)));
  document.getElementById("preview-policy").textContent = "Policy " + preview.policy_version;
  previewState(`${rows.length} dispatch${rows.length === 1 ? "" : "es"} would be sent.`);
}

function routingOnly(errors) {
  return (errors || []).every((e) => !e.field.startsWith("subject") && e.field !== "purpose");
}

async function preview() {
  const seq = ++previewSeq;
  const payload = body();
  if (payload.target_countries.length === 0) {
    show(document.getElementById("preview-table"), false);
    document.getElementById("preview-warnings").replaceChildren();
    return previewState("Enter target countries to see the routing.");
  }
  // The subject and purpose do not change the route: preview without them while incomplete.
  let result = await api("/v1/routing/preview", { method: "POST", body: payload });
  if (result.status === 422 && !routingOnly(result.data.errors)) {
    const { subject: _s, purpose: _p, ...routing } = payload;
    result = await api("/v1/routing/preview", { method: "POST", body: routing });
  }
  if (seq !== previewSeq) return;  // a newer preview is on its way
  if (result.ok) return renderPreview(result.data);
  show(document.getElementById("preview-table"), false);
  document.getElementById("preview-warnings").replaceChildren();
  const reasons = (result.data && result.data.errors || []).map((e) => `${e.field}: ${e.message}`);
  previewState("Cannot be routed: " + (reasons.join("; ") || problemText(result)), true);
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => preview().catch(() => previewState("Preview unavailable.", true)), PREVIEW_DELAY_MS);
}

// ---- targets helper --------------------------------------------------------------------

function showTargetNames() {
  const targets = codes(text("target_countries"));
  document.getElementById("target-names").textContent =
    targets.map((code) => `${code} ${countryName(code)}`).join(" · ");
}

function addCountry(event) {
  const input = event.target;
  const code = input.value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !(code in labels.countries)) return;
  const targets = codes(text("target_countries"));
  if (!targets.includes(code)) targets.push(code);
  form.elements.target_countries.value = targets.join(", ");
  input.value = "";
  showTargetNames();
  schedulePreview();
}

// ---- submit ----------------------------------------------------------------------------

async function submit(event) {
  event.preventDefault();
  const button = document.getElementById("submit");
  const state = document.getElementById("submit-state");
  button.disabled = true;
  state.textContent = "Sending…";
  try {
    const result = await api("/v1/requests", {
      method: "POST", body: body(), headers: { "Idempotency-Key": idempotencyKey },
    });
    if (result.status === 202) {
      idempotencyKey = crypto.randomUUID();
      state.textContent = "Accepted.";
      window.location.assign("/requests/" + result.data.id);
      return;
    }
    state.textContent = "";
    showErrors(result.data || { detail: problemText(result) });
  } catch {
    state.textContent = "The gateway cannot be reached; nothing was sent. Try again.";
  } finally {
    button.disabled = false;
  }
}

function syncUrgency() {
  const urgent = form.elements.urgency.value === "urgent";
  form.elements.urgency_ground.disabled = !urgent;
}

form.addEventListener("change", (event) => {
  if (event.target.name === "kind") showKind();
  if (event.target.name === "urgency") syncUrgency();
  schedulePreview();
});
form.addEventListener("input", (event) => {
  if (event.target.id === "add-country") return;
  if (event.target.name === "target_countries") showTargetNames();
  schedulePreview();
});
document.getElementById("add-country").addEventListener("change", addCountry);
form.addEventListener("submit", submit);
showKind();
syncUrgency();
