// New request: one form per kind, live routing preview, server errors at their fields.
import {
  REQUEST_ROLES, api, channelLabel, countryName, drafts, el, formatFullTime, formatTime,
  initChrome, knownToUs, labels, onSessionEnd, problemText, requireSession, show, warningItem,
} from "./common.js";
import { codes, kindOf, showKind as showSubjectOf, subjectOf } from "./subject.js";
import { fieldLabel, inFormOrder as inFormOrderOf, showErrors as showErrorsOf } from "./form-errors.js";

const PREVIEW_DELAY_MS = 300;
const MAX_PREVIEW_ROUNDS = 30;  // one per target at most (MAX_TARGETS of the API)
// Routing fields with a default in the API: sent only once the officer has set them, so that
// the API's defaults for the caller apply (a PCCC's requests concern the border area).
const OPTIONAL_ROUTING = ["urgency", "access_type", "crime_area", "border_area", "handling_code"];

requireSession();
const form = document.getElementById("new-request");
const touched = new Set();
let idempotencyKey = crypto.randomUUID();
let previewSeq = 0;
let previewTimer = null;

// ---- the form as an API body -----------------------------------------------------------

function kind() {
  return kindOf(form);
}

function showKind() {
  showSubjectOf(form);
}

function subject() {
  return subjectOf(form);
}

function text(name) {
  return form.elements[name].value.trim();
}

function routingValue(name) {
  return name === "border_area" ? form.elements.border_area.checked : form.elements[name].value;
}

function body() {
  const urgent = form.elements.urgency.value === "urgent";
  const result = {
    kind: kind(),
    subject: subject(),
    target_countries: codes(text("target_countries")),
    purpose: text("purpose"),
  };
  for (const name of OPTIONAL_ROUTING) {
    if (touched.has(name)) result[name] = routingValue(name);
  }
  if (urgent && text("urgency_ground")) result.urgency_ground = text("urgency_ground");
  if (text("sis_alert_id")) result.sis_alert_id = text("sis_alert_id");
  if (text("reference")) result.reference = text("reference");
  if (text("case_id")) result.case_id = text("case_id");
  if (text("preferred_channel")) {
    result.preferred_channel = text("preferred_channel");
    result.override_reason = text("override_reason");
  }
  return result;
}

// ---- errors at their fields (form-errors.js) ------------------------------------------

const inFormOrder = (errors) => inFormOrderOf(form, errors);
const showErrors = (problem) => showErrorsOf(form, problem);

// ---- routing preview -------------------------------------------------------------------

function previewState(message, isError = false) {
  const node = document.getElementById("preview-state");
  node.textContent = message;
  node.className = isError ? "alert alert-error" : "muted";
}

const TARGET_FIELD = /^target_countries\[(\d+)\]$/;

function refusedRow(refusal) {
  return el("tr", { class: "refused", dataset: { country: refusal.country, refused: "true" } },
    el("td", {}, el("strong", {}, refusal.country), el("div", { class: "muted small" }, countryName(refusal.country))),
    el("td", { colspan: "3", class: "error-text" }, el("span", { "aria-hidden": "true" }, "✕ "), "Cannot be routed: " + refusal.message));
}

function dispatchPreviewRow(d) {
  return el("tr", { dataset: { country: d.country, channel: d.channel, rule: d.rule } },
    el("td", {}, el("strong", {}, d.country), el("div", { class: "muted small" }, countryName(d.country))),
    el("td", {}, el("span", { class: "channel channel-" + d.channel }, channelLabel(d.channel))),
    el("td", {}, el("span", { class: "rule" }, d.rule), el("div", { class: "small explanation" }, d.explanation)),
    el("td", {}, el("time", { datetime: d.due_at, title: formatFullTime(d.due_at) }, formatTime(d.due_at)),
      el("div", { class: "muted small" }, d.deadline_basis)));
}

/** Per-target refusals the server reports inside a 200 preview (``errors`` or a dispatch without a channel). */
function serverRefusals(preview, targets) {
  const refusals = [];
  for (const error of preview.errors || []) {
    const match = TARGET_FIELD.exec(error.field || "");
    const country = error.country || (match ? targets[Number(match[1])] : null);
    if (country) refusals.push({ country, message: error.message });
  }
  for (const d of preview.dispatches || []) {
    if (!d.channel && (d.error || d.message)) refusals.push({ country: d.country, message: d.error || d.message });
  }
  return refusals;
}

function renderPreview(preview, refused, targets) {
  const routed = (preview ? preview.dispatches : []).filter((d) => d.channel);
  const refusals = [...refused, ...(preview ? serverRefusals(preview, targets) : [])];
  const rows = [...routed.map((d) => ({ country: d.country, row: dispatchPreviewRow(d) })),
    ...refusals.map((r) => ({ country: r.country, row: refusedRow(r) }))];
  rows.sort((a, b) => targets.indexOf(a.country) - targets.indexOf(b.country));  // the form's order
  document.getElementById("preview-rows").replaceChildren(...rows.map((r) => r.row));
  show(document.getElementById("preview-table"), rows.length > 0);
  document.getElementById("preview-warnings").replaceChildren(...(preview ? preview.warnings : []).map(warningItem));
  document.getElementById("preview-policy").textContent = preview ? "Policy " + preview.policy_version : "";
  if (routed.length === 0) {
    return previewState("Cannot be routed: " + refusals.map((r) => `${r.country}: ${r.message}`).join("; "), true);
  }
  const sent = `${routed.length} dispatch${routed.length === 1 ? "" : "es"} would be sent`;
  previewState(refusals.length ? `${sent}; ${refusals.length} target${refusals.length === 1 ? "" : "s"} cannot be routed.` : sent + ".");
}

/** What our national registers hold on the subject typed so far (null: no valid subject yet). */
function renderKnown(check) {
  const nodes = check ? knownToUs(check) : [el("p", { class: "muted" }, "Fill in the subject to check our national registers.")];
  document.getElementById("known-to-us").replaceChildren(...nodes);
}

function routingOnly(errors) {
  return (errors || []).every((e) => !e.field.startsWith("subject") && e.field !== "purpose");
}

async function previewOnce(payload) {
  // The subject and purpose do not change the route: preview without them while incomplete.
  const result = await api("/v1/routing/preview", { method: "POST", body: payload });
  if (result.status === 422 && !routingOnly(result.data.errors)) {
    const { subject: _s, purpose: _p, ...routing } = payload;
    return api("/v1/routing/preview", { method: "POST", body: routing });
  }
  return result;
}

/**
 * The preview of every target that can be routed, and why the others cannot: a refused
 * target is taken out and the rest previewed again (one bad target hides nothing else).
 */
async function previewTargets(payload) {
  const refused = [];
  let targets = [...payload.target_countries];
  for (let round = 0; round < MAX_PREVIEW_ROUNDS && targets.length; round += 1) {
    const result = await previewOnce({ ...payload, target_countries: targets });
    const bad = result.status === 422 ? targetErrors(result.data.errors, targets) : [];
    if (!bad.length) return { result, refused };
    refused.push(...bad.map(({ index, message }) => ({ country: targets[index], message })));
    const out = new Set(bad.map(({ index }) => index));
    targets = targets.filter((_code, index) => !out.has(index));
  }
  return { result: null, refused };
}

function targetErrors(errors, targets) {
  return (errors || []).map((error) => {
    const match = TARGET_FIELD.exec(error.field || "");
    return match && Number(match[1]) < targets.length ? { index: Number(match[1]), message: error.message } : null;
  }).filter(Boolean);
}

/** The targets to preview: while the officer is still typing a code, its first letter is not one. */
function previewedTargets() {
  const input = form.elements.target_countries;
  const all = codes(input.value);
  const typing = document.activeElement === input && !/[\s,;]$/.test(input.value);
  return typing && all.length && all[all.length - 1].length < 2 ? all.slice(0, -1) : all;
}

async function preview() {
  const seq = ++previewSeq;
  const { case_id: _case, ...draft } = body();  // the case does not change the route
  const payload = { ...draft, target_countries: previewedTargets() };
  if (payload.target_countries.length === 0) {
    show(document.getElementById("preview-table"), false);
    document.getElementById("preview-warnings").replaceChildren();
    return previewState("Enter target countries to see the routing.");
  }
  const { result, refused } = await previewTargets(payload);
  if (seq !== previewSeq) return;  // a newer preview is on its way
  renderKnown(result && result.ok ? result.data.known_to_us : null);
  if (!result || result.ok) return renderPreview(result && result.data, refused, payload.target_countries);
  show(document.getElementById("preview-table"), false);
  document.getElementById("preview-warnings").replaceChildren();
  const errors = inFormOrder((result.data && result.data.errors) || []);
  const reasons = errors.map(({ error, box }) => `${fieldLabel(box) || error.field}: ${error.message}`);
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

const plain = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").trim().toLowerCase();

/** A country from its code or its name (whole, or the start of one name only). */
function matchCountry(typed) {
  const code = typed.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(code) && code in labels.countries) return code;
  const wanted = plain(typed);
  if (!wanted) return null;
  const entries = Object.entries(labels.countries);
  const exact = entries.find(([, name]) => plain(name) === wanted);
  if (exact) return exact[0];
  const starting = entries.filter(([, name]) => plain(name).startsWith(wanted));
  return starting.length === 1 ? starting[0][0] : null;
}

function addCountry() {
  const input = document.getElementById("add-country");
  const hint = document.getElementById("add-country-hint");
  if (!input.value.trim()) return;
  const code = matchCountry(input.value);
  if (!code) {
    hint.textContent = `No single country matches “${input.value.trim()}”; type more of its name or its code`;
    return;
  }
  hint.textContent = `${countryName(code)} (${code}) added`;
  const targets = codes(text("target_countries"));
  if (!targets.includes(code)) targets.push(code);
  form.elements.target_countries.value = targets.join(", ");
  input.value = "";
  showTargetNames();
  saveDraft();
  schedulePreview();
}

// ---- the draft, kept across a sign-in ----------------------------------------------------

function saveDraft() {
  const values = {};
  for (const control of form.elements) {
    if (!control.name) continue;
    if (control.type === "radio") { if (control.checked) values[control.name] = control.value; }
    else if (control.type === "checkbox") values[control.name] = control.checked;
    else values[control.name] = control.value;
  }
  drafts.save({ values, touched: [...touched], idempotencyKey });
}

function restoreDraft() {
  const draft = drafts.load();
  if (!draft || !draft.values) return false;
  for (const control of form.elements) {
    if (!control.name || !(control.name in draft.values)) continue;
    const value = draft.values[control.name];
    if (control.type === "radio") control.checked = control.value === value;
    else if (control.type === "checkbox") control.checked = value === true;
    else control.value = value;
  }
  (draft.touched || []).forEach((name) => touched.add(name));
  // The same attempt: a request sent before the session ran out is not sent twice.
  if (draft.idempotencyKey) idempotencyKey = draft.idempotencyKey;
  return true;
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
      drafts.clear();
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

function markTouched(event) {
  const name = event.target.name;
  if (name) touched.add(name);
}

form.addEventListener("change", (event) => {
  markTouched(event);
  if (event.target.name === "kind") showKind();
  if (event.target.name === "urgency") syncUrgency();
  saveDraft();
  schedulePreview();
});
form.addEventListener("input", (event) => {
  if (event.target.id === "add-country") return;
  markTouched(event);
  if (event.target.name === "target_countries") showTargetNames();
  saveDraft();
  schedulePreview();
});
// Leaving the targets field ends the typing: the last code is previewed (and judged) now.
form.elements.target_countries.addEventListener("blur", schedulePreview);
const finder = document.getElementById("add-country");
finder.addEventListener("change", addCountry);
finder.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();  // Enter here adds the country; it never sends the request
  addCountry();
});
form.addEventListener("submit", submit);
onSessionEnd(saveDraft);
document.getElementById("discard-draft").addEventListener("click", () => {
  drafts.clear();
  window.location.reload();
});

const me = await initChrome(REQUEST_ROLES);
const restored = restoreDraft();
// The API's default for the caller, shown as it is: a PCCC's request concerns the border area.
if (!touched.has("border_area")) form.elements.border_area.checked = me.role === "pccc";
show(document.getElementById("draft-notice"), restored);
showKind();
syncUrgency();
showTargetNames();
if (restored) schedulePreview();
fillCases(restored ? (drafts.load().values || {}).case_id : new URLSearchParams(window.location.search).get("case_id"));

/** The open cases the caller may see, to file the request in (``case_id``; ?case_id= from a case page). */
async function fillCases(chosen) {
  const select = form.elements.case_id;
  const result = await api("/v1/cases?status=open&limit=200");
  if (!result.ok) return;
  select.append(...result.data.items.map((item) => el("option", { value: item.id }, `${item.reference}${item.title ? " — " + item.title : ""}`)));
  if (chosen && [...select.options].some((option) => option.value === chosen)) select.value = chosen;
}
