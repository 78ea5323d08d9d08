// One search over everything the bureau holds (GET /v1/search): each result says what it is
// and links to its page; "Show more" follows next_cursor. The words are kept in the address.
// A message notice on the stream (a message sent or received on any thread the caller sees)
// runs the search again, so a message matching the words appears without reloading.
import { REQUEST_ROLES, api, el, followLive, formatFullTime, initChrome, problemText, requireSession, show, throttle } from "./common.js";
import { clearFormProblem, showFormProblem } from "./form-errors.js";

const PAGE_SIZE = 25;
const WHAT = { request: "Request sent", inbound: "Request received", case: "Case", message: "Message" };

requireSession();
await initChrome(REQUEST_ROLES);

const form = document.getElementById("search-form");
const results = document.getElementById("search-results");
const more = document.getElementById("search-more");
const errorBox = document.getElementById("search-error");
let cursor = null;
let count = 0;
let generation = 0;

/** An API link (/v1/requests/…, /v1/inbound/…, /v1/cases/…, /v1/messages/…) as a page. */
function pageOf(item) {
  if (item.type === "message") return null;  // a message is shown in its thread, not alone
  return String(item.href).replace(/^\/v1\//, "/");
}

/** A message opens its thread: the request, received request or case it belongs to. */
function messageLink(item) {
  const link = el("a", { href: "/search" + window.location.search, class: "search-link" }, item.title);
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const result = await api(item.href);
    const message = result.ok ? result.data : null;
    const target = message && (message.request_id ? "/requests/" + message.request_id
      : message.inbound_id ? "/inbound/" + message.inbound_id
        : message.case_id ? "/cases/" + message.case_id : null);
    if (target) window.location.assign(target);
    else link.after(el("span", { class: "muted small" }, " (not filed in a request or case yet)"));
  });
  return link;
}

function resultItem(item) {
  const page = pageOf(item);
  const title = page ? el("a", { href: page, class: "search-link" }, item.title) : messageLink(item);
  return el("li", { dataset: { type: item.type, id: item.id } },
    el("span", { class: "tag", dataset: { what: item.type } }, WHAT[item.type] || item.type), " ", title,
    el("div", { class: "small" }, item.summary),
    el("div", { class: "muted small" }, el("time", { datetime: item.created_at }, formatFullTime(item.created_at))));
}

async function search({ append }) {
  const q = form.elements.q.value.trim();
  const mine = ++generation;
  clearFormProblem(form);
  if (!q) {
    results.replaceChildren();
    show(more, false);
    show(document.getElementById("search-empty"), false);
    document.getElementById("search-summary").textContent = "";
    return;
  }
  const params = new URLSearchParams({ q, limit: String(PAGE_SIZE) });
  if (form.elements.types.value) params.append("types", form.elements.types.value);
  if (append && cursor) params.set("cursor", cursor);
  const result = await api("/v1/search?" + params.toString());
  if (mine !== generation) return;
  if (!result.ok) {
    if (result.status === 422) {
      showFormProblem(form, result);
    } else {
      errorBox.textContent = "The search failed: " + problemText(result);
      show(errorBox, true);
    }
    return;
  }
  show(errorBox, false);
  const items = result.data.items.map(resultItem);
  if (append) results.append(...items); else results.replaceChildren(...items);
  count = (append ? count : 0) + result.data.items.length;
  cursor = result.data.next_cursor;
  show(more, Boolean(cursor));
  show(document.getElementById("search-empty"), count === 0);
  document.getElementById("search-summary").textContent = `${count} result${count === 1 ? "" : "s"} shown${cursor ? " · more to read" : ""}`;
}

function fromAddress() {
  const params = new URLSearchParams(window.location.search);
  form.elements.q.value = params.get("q") || "";
  form.elements.types.value = params.get("types") || "";
  const top = document.getElementById("top-search");
  if (top) top.value = form.elements.q.value;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  if (form.elements.q.value.trim()) params.set("q", form.elements.q.value.trim());
  if (form.elements.types.value) params.set("types", form.elements.types.value);
  history.replaceState(null, "", "?" + params.toString());
  cursor = null;
  search({ append: false });
});
more.addEventListener("click", () => search({ append: true }));

fromAddress();
search({ append: false });

// Each search is an audited consultation (LED 2016/680 Art. 25(1)): it runs again only for a
// message notice (new text that may match), at most every few seconds, and not once the
// officer has paged on with "Show more" (that would lose the pages read).
const LIVE_SEARCH_MS = 3000;
let connected = false;
const liveSearch = throttle(() => {
  if (count <= PAGE_SIZE && form.elements.q.value.trim()) search({ append: false });
}, LIVE_SEARCH_MS);
followLive({
  onNotice: (notice) => { if (notice.event === "message") liveSearch(); },
  onInbound: (notice) => { if (notice.event === "message") liveSearch(); },
  // A reconnection may have missed notices; the first connection follows the search just run.
  onReady: () => { if (connected) liveSearch(); connected = true; },
});
