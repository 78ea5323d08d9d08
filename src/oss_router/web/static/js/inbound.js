// The Incoming queue: requests received from partners, overdue first then by time left,
// filters kept in the address, keyset "more" paging, kept live from the stream.
import {
  api, channelLabel, countryName, el, followLive, initChrome, kindLabel, problemText,
  requireSession, show, subjectSummary, throttle, tickDeadlines, timeTag,
} from "./common.js";
import {
  INBOUND_CLOSED, INBOUND_ROLES, clockCell, inboundBadge, isMine, isOverdue, personName,
} from "./inbound-common.js";

const PAGE_SIZE = 50;
const MAX_SHOWN = 1000;  // a live refresh re-reads at most this many rows (20 pages)
const FALLBACK_REFRESH_MS = 60000;  // the stream is the fast path; this catches anything missed
const FILTERS = ["status", "channel", "requesting_country"];
const FLAGS = ["mine", "overdue"];

requireSession();
const me = await initChrome(INBOUND_ROLES);

const form = document.getElementById("inbound-filters");
const rows = document.getElementById("inbound-rows");
const more = document.getElementById("inbound-more");
const errorBox = document.getElementById("inbound-error");
let shown = PAGE_SIZE;
let loading = null;
let again = false;

function filtersFromAddress() {
  const params = new URLSearchParams(window.location.search);
  for (const name of FILTERS) if (params.has(name)) form.elements[name].value = params.get(name);
  for (const name of FLAGS) form.elements[name].checked = params.get(name) === "true";
}

function filterParams() {
  const params = new URLSearchParams();
  for (const name of ["status", "channel"]) {
    if (form.elements[name].value) params.set(name, form.elements[name].value);
  }
  const country = form.elements.requesting_country.value.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(country)) params.set("requesting_country", country);
  for (const name of FLAGS) if (form.elements[name].checked) params.set(name, "true");
  return params;
}

function assignedCell(request) {
  if (!request.assigned_to) return el("span", { class: "muted" }, "Not assigned");
  const name = personName(request.assigned_to);
  return isMine(request, me) ? el("strong", { title: request.assigned_to }, "You (" + name + ")") : el("span", { title: request.assigned_to }, name);
}

function row(request) {
  const overdue = isOverdue(request);
  const link = el("a", { href: "/inbound/" + request.id, class: "mono" }, request.partner_reference || request.id.slice(0, 8));
  return el("tr", {
    class: overdue ? "row-overdue" : null,
    dataset: { inboundId: request.id, status: request.status, overdue: overdue ? "true" : "false" },
  },
  clockCell(el("td", { class: "deadline" }), request),
  el("td", {}, timeTag(request.received_at)),
  el("td", {}, el("abbr", { title: countryName(request.requesting_country), class: "country-code" }, request.requesting_country),
    el("div", { class: "small" }, request.requesting_authority), el("div", { class: "small" }, link)),
  el("td", {}, el("span", { class: "channel channel-" + request.channel }, channelLabel(request.channel))),
  el("td", {}, kindLabel(request.kind)),
  el("td", { class: "subject-cell" }, subjectSummary(request.kind, request.subject)),
  el("td", {}, request.urgency === "urgent" ? el("span", { class: "badge badge-urgent" }, "Urgent") : "Normal"),
  el("td", { class: "status-cell" }, inboundBadge(request.status)),
  el("td", { class: "assigned-cell" }, assignedCell(request)));
}

/** The first ``shown`` rows, page by page along the keyset cursor (as the API orders them). */
async function readRows(params) {
  const items = [];
  let cursor = null;
  for (;;) {
    const page = new URLSearchParams(params);
    page.set("limit", String(Math.min(PAGE_SIZE, shown - items.length)));
    if (cursor) page.set("cursor", cursor);
    const result = await api("/v1/inbound?" + page.toString());
    if (!result.ok) return { result };
    items.push(...result.data.items);
    cursor = result.data.next_cursor;
    if (!cursor || items.length >= shown) return { items, more: Boolean(cursor) };
  }
}

async function load() {
  const { result, items, more: hasMore } = await readRows(filterParams());
  if (result) {
    errorBox.textContent = "The incoming requests could not be read: " + problemText(result);
    show(errorBox, true);
    return;
  }
  show(errorBox, false);
  rows.replaceChildren(...items.map(row));
  show(document.getElementById("inbound-empty"), items.length === 0);
  show(more, hasMore && shown < MAX_SHOWN);
  const open = items.filter((item) => !INBOUND_CLOSED.has(item.status)).length;
  const overdue = items.filter(isOverdue).length;
  const unassigned = items.filter((item) => item.status === "received").length;
  document.getElementById("inbound-summary").textContent =
    `${items.length} shown · ${open} open · ${overdue} overdue · ${unassigned} not assigned`;
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
  const query = filterParams().toString();
  history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  shown = PAGE_SIZE;
  refresh();
}

form.addEventListener("change", applyFilters);
form.addEventListener("input", (event) => {
  if (event.target.name === "requesting_country") applyFilters();
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
followLive({ onInbound: liveRefresh, onReady: refresh });
setInterval(refresh, FALLBACK_REFRESH_MS);
