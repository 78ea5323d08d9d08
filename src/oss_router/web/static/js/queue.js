// The queue: newest first, filters kept in the address, rows refreshed from the live stream.
import {
  REQUEST_ROLES, api, channelLabel, countryName, deadlineCell, el, followLive, initChrome,
  kindLabel, needsAction, problemText, requireSession, show, statusBadge, subjectSummary,
  throttle, tickDeadlines, timeTag,
} from "./common.js";

const PAGE_SIZE = 50;
const FALLBACK_REFRESH_MS = 60000;  // the stream is the fast path; this catches anything missed
const TERMINAL = new Set(["answered", "failed", "cancelled"]);

requireSession();
await initChrome(REQUEST_ROLES);

const form = document.getElementById("filters");
const rows = document.getElementById("queue-rows");
const more = document.getElementById("more");
let shown = PAGE_SIZE;
let loading = null;
let again = false;

function filtersFromAddress() {
  const params = new URLSearchParams(window.location.search);
  for (const name of ["status", "channel", "kind", "country"]) {
    if (params.has(name)) form.elements[name].value = params.get(name);
  }
  form.elements.overdue.checked = params.get("overdue") === "true";
}

function filterParams() {
  const params = new URLSearchParams();
  for (const name of ["status", "channel", "kind"]) {
    if (form.elements[name].value) params.set(name, form.elements[name].value);
  }
  const country = form.elements.country.value.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(country)) params.set("country", country);
  if (form.elements.overdue.checked) params.set("overdue", "true");
  return params;
}

function targetsCell(request) {
  return el("ul", { class: "targets" }, request.dispatches.map((d) =>
    el("li", { title: `${countryName(d.country)} via ${channelLabel(d.channel)}: ${d.status}` },
      el("abbr", { title: countryName(d.country) }, d.country), " ",
      el("span", { class: "channel channel-" + d.channel }, channelLabel(d.channel)),
      d.status === "answered" && d.outcome ? el("span", { class: "outcome outcome-" + d.outcome }, d.outcome.replace("_", " ")) : null)));
}

function row(request) {
  const settled = TERMINAL.has(request.status);
  const link = el("a", { href: "/requests/" + request.id, class: "mono" }, request.reference || request.id.slice(0, 8));
  const attention = needsAction(request);
  const rowClass = [request.overdue ? "row-overdue" : "", attention ? "row-needs-action" : ""].join(" ").trim();
  return el("tr", { dataset: { requestId: request.id, status: request.status, needsAction: attention ? "true" : "false" }, class: rowClass },
    el("td", {}, timeTag(request.created_at)),
    el("td", {}, link, request.origin === "pccc" ? el("span", { class: "tag" }, "PCCC") : null),
    el("td", {}, kindLabel(request.kind)),
    el("td", { class: "subject-cell" }, subjectSummary(request.kind, request.subject)),
    el("td", {}, targetsCell(request)),
    el("td", {}, request.urgency === "urgent" ? el("span", { class: "badge badge-urgent" }, "Urgent") : "Normal"),
    el("td", { class: "status-cell" }, statusBadge(request.status, attention)),
    deadlineCell(el("td", { class: "deadline" }), request.due_at, settled));
}

async function load() {
  const params = filterParams();
  params.set("limit", String(Math.min(shown, 200)));
  const result = await api("/v1/requests?" + params.toString());
  const error = document.getElementById("queue-error");
  if (!result.ok) {
    error.textContent = "The queue could not be read: " + problemText(result);
    show(error, true);
    return;
  }
  show(error, false);
  const items = result.data.items;
  rows.replaceChildren(...items.map(row));
  show(document.getElementById("queue-empty"), items.length === 0);
  show(more, Boolean(result.data.next_cursor) && shown < 200);
  const open = items.filter((item) => !TERMINAL.has(item.status)).length;
  const overdue = items.filter((item) => item.overdue).length;
  const attention = items.filter(needsAction).length;
  document.getElementById("queue-summary").textContent =
    `${items.length} shown · ${open} open · ${overdue} overdue` + (attention ? ` · ${attention} need action` : "");
}

/** One load at a time; a refresh asked for meanwhile runs once after it. */
function refresh() {
  if (loading) {
    again = true;
    return;
  }
  loading = load().catch(() => {}).finally(() => {
    loading = null;
    if (again) {
      again = false;
      refresh();
    }
  });
}

function applyFilters() {
  const params = filterParams();
  const query = params.toString();
  history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  refresh();
}

form.addEventListener("change", applyFilters);
form.addEventListener("input", (event) => {
  if (event.target.name === "country") applyFilters();
});
form.addEventListener("reset", () => setTimeout(applyFilters, 0));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  applyFilters();
});
more.addEventListener("click", () => {
  shown += PAGE_SIZE;
  refresh();
});

filtersFromAddress();
refresh();
tickDeadlines();
const liveRefresh = throttle(refresh, 500);
followLive({ onNotice: liveRefresh, onReady: refresh });
setInterval(refresh, FALLBACK_REFRESH_MS);
