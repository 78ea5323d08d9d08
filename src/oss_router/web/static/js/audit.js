// The auditor's screen: the audit log searched by request, actor, action and time, and the
// state of the hash chain (GET /v1/audit, GET /v1/audit/verification).
import {
  api, el, initChrome, preciseTimeTag, problemText, requireSession, show,
} from "./common.js";

const PAGE_SIZE = 50;
const FILTERS = ["request_id", "actor", "action", "since", "until"];
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERIFICATION = {
  intact: { icon: "✓", words: "Intact" },
  broken: { icon: "✕", words: "Broken" },
  empty: { icon: "○", words: "Empty" },
};

requireSession();
await initChrome(["auditor"]);

const form = document.getElementById("audit-filters");
const rows = document.getElementById("audit-rows");
const more = document.getElementById("audit-more");
const errorBox = document.getElementById("audit-error");
let cursor = null;
let shown = 0;

document.getElementById("time-zone").textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;

// ---- the chain's verification state ----------------------------------------------------

function verificationText(state) {
  const parts = [];
  if (typeof state.entries === "number") parts.push(`${state.entries} entr${state.entries === 1 ? "y" : "ies"} checked`);
  if (state.head) parts.push(`head #${state.head.seq} (${String(state.head.hash).slice(0, 12)}…)`);
  if (state.first_bad) parts.push(`first bad entry #${state.first_bad.seq}: ${state.first_bad.reason}`);
  if (state.checked_at) parts.push("checked " + new Date(state.checked_at).toLocaleString("en-GB", { timeZoneName: "short" }));
  return parts.join(" · ");
}

async function verify() {
  const box = document.getElementById("verification");
  box.textContent = "Checking the chain…";
  box.dataset.status = "unknown";
  const result = await api("/v1/audit/verification");
  if (!result.ok) {
    box.replaceChildren(el("span", { class: "badge status-failed" }, el("span", { "aria-hidden": "true" }, "? "), "Not known"),
      " ", result.status === 404 ? "This gateway does not report the chain's state." : problemText(result));
    return;
  }
  const state = result.data;
  const look = VERIFICATION[state.status] || { icon: "•", words: state.status };
  box.dataset.status = state.status;
  box.replaceChildren(
    el("span", { class: "badge verification-" + state.status }, el("span", { class: "badge-icon", "aria-hidden": "true" }, look.icon), look.words),
    " ", verificationText(state));
}

// ---- the log ---------------------------------------------------------------------------

/** A datetime-local value (the browser's time zone) as an instant the API accepts. */
function instant(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function fieldError(name, message) {
  const control = form.elements[name];
  control.setAttribute("aria-invalid", "true");
  control.closest(".field").append(el("p", { class: "field-error" }, message));
}

function clearFieldErrors() {
  form.querySelectorAll(".field-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
}

/** The search as API parameters, or null after saying which field is wrong. */
function searchParams() {
  clearFieldErrors();
  const params = new URLSearchParams();
  const requestId = form.elements.request_id.value.trim();
  if (requestId && !UUID_PATTERN.test(requestId)) return fieldError("request_id", "A request id has 36 characters, like 3f2b…-…"), null;
  if (requestId) params.set("request_id", requestId.toLowerCase());
  if (form.elements.actor.value.trim()) params.set("actor", form.elements.actor.value.trim());
  if (form.elements.action.value) params.set("action", form.elements.action.value);
  for (const name of ["since", "until"]) {
    const value = instant(form.elements[name].value);
    if (value === undefined) return fieldError(name, "Not a date and time"), null;
    if (value) params.set(name, value);
  }
  return params;
}

function describe(entry) {
  const bits = [];
  for (const recipient of entry.recipients || []) {
    bits.push("to " + [recipient.channel, recipient.country].filter(Boolean).join(" "));
  }
  for (const [key, value] of Object.entries(entry.detail || {})) {
    bits.push(`${key.replace(/_/g, " ")}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
  }
  return bits.join(" · ");
}

function row(entry) {
  return el("tr", { dataset: { seq: entry.seq, action: entry.action } },
    el("td", { class: "mono" }, String(entry.seq)),
    el("td", { class: "nowrap" }, preciseTimeTag(entry.at)),
    el("td", {}, entry.action),
    el("td", {}, el("span", { class: "mono small" }, entry.actor), entry.unit ? el("div", { class: "muted small" }, entry.unit) : null),
    el("td", { class: "mono small" }, entry.request_id || "—"),
    el("td", { class: "small" }, entry.justification || "—"),
    el("td", { class: "small" }, describe(entry)));
}

async function load(append = false) {
  const params = searchParams();
  if (!params) return;
  params.set("limit", String(PAGE_SIZE));
  if (append && cursor) params.set("cursor", cursor);
  const result = await api("/v1/audit?" + params.toString());
  if (!result.ok) {
    errorBox.textContent = "The audit log could not be read: " + problemText(result);
    show(errorBox, true);
    return;
  }
  show(errorBox, false);
  const items = result.data.items.map(row);
  if (append) rows.append(...items); else rows.replaceChildren(...items);
  shown = append ? shown + items.length : items.length;
  cursor = result.data.next_cursor;
  show(more, Boolean(cursor));
  show(document.getElementById("audit-empty"), shown === 0);
  document.getElementById("audit-summary").textContent = `${shown} entr${shown === 1 ? "y" : "ies"} shown` + (cursor ? ", more older ones" : "");
}

function filtersFromAddress() {
  const params = new URLSearchParams(window.location.search);
  for (const name of FILTERS) if (params.has(name) && !["since", "until"].includes(name)) form.elements[name].value = params.get(name);
}

function search(event) {
  if (event) event.preventDefault();
  const params = searchParams();
  if (!params) return;
  const query = params.toString();
  history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  load();
}

form.addEventListener("submit", search);
form.elements.action.addEventListener("change", search);
form.addEventListener("reset", () => setTimeout(search, 0));
more.addEventListener("click", () => load(true));
document.getElementById("verify-again").addEventListener("click", verify);

filtersFromAddress();
load();
verify();
