// The case files: filters kept in the address, newest first, keyset "more" paging.
import {
  REQUEST_ROLES, api, el, followLive, initChrome, problemText, requireSession, show, throttle, timeTag,
} from "./common.js";
import { caseStatusBadge } from "./case-common.js";

const PAGE_SIZE = 25;
const FILTERS = ["status", "crime_area"];

requireSession();
await initChrome(REQUEST_ROLES);

const form = document.getElementById("case-filters");
const rows = document.getElementById("case-rows");
const more = document.getElementById("cases-more");
const errorBox = document.getElementById("cases-error");
let cursor = null;
let count = 0;
let generation = 0;  // a newer filter choice makes an older answer stale

function filtersFromAddress() {
  const params = new URLSearchParams(window.location.search);
  for (const name of FILTERS) if (params.has(name)) form.elements[name].value = params.get(name);
  form.elements.owner.checked = params.get("owner") === "me";
}

function filterParams() {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (form.elements[name].value) params.set(name, form.elements[name].value);
  if (form.elements.owner.checked) params.set("owner", "me");
  return params;
}

function row(item) {
  const link = el("a", { href: "/cases/" + item.id, class: "mono" }, item.reference);
  return el("tr", { dataset: { caseId: item.id, status: item.status } },
    el("td", {}, link),
    el("td", {}, item.title === null ? el("span", { class: "muted" }, "Erased") : item.title),
    el("td", {}, item.crime_area.replace(/_/g, " ")),
    el("td", {}, item.handling_code),
    el("td", { class: "mono small" }, item.owner, item.unit ? el("div", { class: "muted" }, item.unit) : null),
    el("td", {}, String(item.links.length)),
    el("td", {}, caseStatusBadge(item)),
    el("td", {}, timeTag(item.created_at)));
}

async function loadPage({ append }) {
  const mine = ++generation;
  const params = filterParams();
  params.set("limit", String(PAGE_SIZE));
  if (append && cursor) params.set("cursor", cursor);
  const result = await api("/v1/cases?" + params.toString());
  if (mine !== generation) return;
  if (!result.ok) {
    errorBox.textContent = "The cases could not be read: " + problemText(result);
    show(errorBox, true);
    return;
  }
  show(errorBox, false);
  const items = result.data.items.map(row);
  if (append) rows.append(...items); else rows.replaceChildren(...items);
  count = (append ? count : 0) + result.data.items.length;
  cursor = result.data.next_cursor;
  show(more, Boolean(cursor));
  show(document.getElementById("cases-empty"), count === 0);
  document.getElementById("cases-summary").textContent = `${count} shown${cursor ? " · more to read" : ""}`;
}

function applyFilters() {
  const query = filterParams().toString();
  history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  cursor = null;
  loadPage({ append: false });
}

form.addEventListener("change", applyFilters);
form.addEventListener("reset", () => setTimeout(applyFilters, 0));
form.addEventListener("submit", (event) => { event.preventDefault(); applyFilters(); });
more.addEventListener("click", () => loadPage({ append: true }));

filtersFromAddress();
loadPage({ append: false });
// A case opened, closed, reopened or with something filed in it (a ``case`` notice): the first
// page is read again, at most every two seconds; pages read further with "more" stay as they
// are, so that a reader's place is not lost.
const liveReload = throttle(() => { if (count <= PAGE_SIZE) loadPage({ append: false }); }, 2000);
followLive({ onCase: liveReload, onReady: liveReload });
