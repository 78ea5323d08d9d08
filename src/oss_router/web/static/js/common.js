// Shared by every page: the signed-in session, API calls, formatting, the live stream.

const SESSION_KEY = "oss-router.session";
const LAST_USER_KEY = "oss-router.last-user";  // who signed in last on this browser (not a secret)
const DRAFT_KEY = "oss-router.draft";

export const labels = JSON.parse(document.getElementById("labels").textContent);

// ---- session ---------------------------------------------------------------------------

let sessionExpired = false;

/** The stored token ({token, expiresAt}), or null once it is missing or out of date. */
export function session() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    if (stored && stored.expiresAt && Date.now() > stored.expiresAt) {
      sessionStorage.removeItem(SESSION_KEY);
      sessionExpired = true;
      return null;
    }
    return stored;
  } catch {
    return null;
  }
}

export function saveSession(value) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

export function signOut() {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(DRAFT_KEY);  // signing out on purpose ends the work too
  window.location.assign("/sign-in");
}

// Work to keep before the page is left for the sign-in page (the new request's draft).
const beforeSignIn = [];

export function onSessionEnd(keep) {
  beforeSignIn.push(keep);
}

let leaving = false;

function toSignIn(reason) {
  if (leaving) return;
  leaving = true;
  for (const keep of beforeSignIn) {
    try { keep(); } catch { /* keeping the draft is best effort; leaving is not */ }
  }
  const params = new URLSearchParams({ next: window.location.pathname + window.location.search });
  if (reason) params.set("reason", reason);
  window.location.assign("/sign-in?" + params.toString());
}

/** The session, or off to the sign-in page (saying why when the session ran out). */
export function requireSession() {
  const current = session();
  if (!current) {
    toSignIn(sessionExpired ? "expired" : null);
    throw new Error("not signed in");
  }
  return current;
}

export function rememberUser(user) {
  try { localStorage.setItem(LAST_USER_KEY, JSON.stringify(user)); } catch { /* private mode */ }
}

export function lastUser() {
  try { return JSON.parse(localStorage.getItem(LAST_USER_KEY) || "null"); } catch { return null; }
}

export const drafts = {
  save: (value) => sessionStorage.setItem(DRAFT_KEY, JSON.stringify(value)),
  load: () => { try { return JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null"); } catch { return null; } },
  clear: () => sessionStorage.removeItem(DRAFT_KEY),
};

// ---- API -------------------------------------------------------------------------------

/** Calls the JSON API with the bearer token; resolves to {ok, status, data}. */
export async function api(path, { method = "GET", body, headers = {}, signal } = {}) {
  const current = session();
  const sent = { Accept: "application/json", ...headers };
  if (current && current.token) sent.Authorization = "Bearer " + current.token;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 401 && current) {
    sessionStorage.removeItem(SESSION_KEY);
    toSignIn("expired");
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : null;
  return { ok: response.ok, status: response.status, data };
}

// ---- who the server says the caller is -------------------------------------------------

let me = null;

/** GET /v1/auth/me: {subject, role, unit, actor}, the only source of what a page offers. */
export async function whoAmI() {
  if (!me) {
    me = api("/v1/auth/me").then((result) => {
      if (!result.ok) throw new Error("who am I: " + result.status);
      return result.data;
    });
  }
  return me;
}

/** Where a role starts: auditors have the audit log, everyone else the queue. */
export function landingFor(role) {
  return role === "auditor" ? "/audit" : "/";
}

/** A problem+json body as one sentence. */
export function problemText(result) {
  const problem = result.data || {};
  return problem.detail || problem.title || "The service answered " + result.status + ".";
}

// ---- DOM helpers -----------------------------------------------------------------------

/** el("td", {class: "x", dataset: {id: 1}}, "text", childNode) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}

// ---- formatting ------------------------------------------------------------------------

const STATUS_ICONS = {
  queued: "○", dispatched: "↗", sent: "↗", delivered: "◐", in_progress: "◐",
  answered: "✓", failed: "✕", cancelled: "⊘",
};
const DISPATCH_STATUS_LABELS = {
  queued: "Queued", sent: "Sent", delivered: "Delivered", answered: "Answered",
  failed: "Failed", cancelled: "Cancelled",
};

export function statusLabel(status) {
  return labels.statuses[status] || DISPATCH_STATUS_LABELS[status] || status;
}

/** A status as icon + words (never colour alone); a failure nobody has handled says so. */
export function statusBadge(status, attention = false) {
  if (attention) {
    return el("span", { class: "badge status-failed badge-needs-action", dataset: { status, needsAction: "true" } },
      el("span", { class: "badge-icon", "aria-hidden": "true" }, "⚠"), "Failed · needs action");
  }
  return el("span", { class: "badge status-" + status, dataset: { status } },
    el("span", { class: "badge-icon", "aria-hidden": "true" }, STATUS_ICONS[status] || "•"),
    statusLabel(status));
}

/** A dispatch failed and nobody has retried or re-routed it: the server says so. */
export function needsAction(request) {
  return request.needs_action === true;
}

/** The request a warning is about (a possible duplicate). */
function warnedRequestId(warning) {
  const id = warning.existing_request_id;
  return typeof id === "string" && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

/** A routing warning as a list item; the request it names is a link, not text to copy. */
export function warningItem(warning) {
  const item = el("li", { class: "warning", dataset: { code: warning.code } }, el("span", { "aria-hidden": "true" }, "⚠ "));
  const id = warnedRequestId(warning);
  const message = String(warning.message || "");
  if (!id) return item.append(message), item;
  const link = el("a", { href: "/requests/" + id, class: "mono", dataset: { warnedRequest: id } }, id.slice(0, 8));
  link.title = "Open request " + id;
  const at = message.indexOf(id);
  if (at >= 0) item.append(message.slice(0, at), link, message.slice(at + id.length));
  else item.append(message, " (", link, ")");
  return item;
}

export function channelLabel(channel) {
  return labels.channels[channel] || channel;
}

export function countryName(code) {
  return labels.countries[code] || code;
}

export function kindLabel(kind) {
  return labels.kinds[kind] || kind;
}

const dateTime = new Intl.DateTimeFormat("en-GB", {
  day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", hour12: false,
});
const fullDateTime = new Intl.DateTimeFormat("en-GB", {
  year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit",
  second: "2-digit", hour12: false, timeZoneName: "short",
});

export function formatTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function formatFullTime(iso) {
  return iso ? fullDateTime.format(new Date(iso)) : "—";
}

export function timeTag(iso) {
  return el("time", { datetime: iso, title: formatFullTime(iso) }, formatTime(iso));
}

/** A time to the second, with its time zone (timelines, the audit log). */
export function preciseTimeTag(iso) {
  return el("time", { datetime: iso }, formatFullTime(iso));
}

function span(ms) {
  const minutes = Math.floor(ms / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}d ${String(hours).padStart(2, "0")}h`;
  if (hours > 0) return `${hours}h ${String(mins).padStart(2, "0")}m`;
  return `${mins}m`;
}

/** Fills a cell with the time left to ``due`` (kept current by tickDeadlines). */
export function deadlineCell(node, due, settled) {
  node.dataset.due = due || "";
  node.dataset.settled = settled ? "true" : "false";
  renderDeadline(node);
  return node;
}

function renderDeadline(node) {
  const due = node.dataset.due;
  node.replaceChildren();
  node.classList.remove("overdue", "due-soon");
  if (!due || node.dataset.settled === "true") {
    node.append(el("span", { class: "muted" }, "—"));
    return;
  }
  const left = new Date(due).getTime() - Date.now();
  if (left < 0) {
    node.classList.add("overdue");
    node.append(el("span", { class: "badge badge-overdue" },
      el("span", { "aria-hidden": "true" }, "⚠ "), "Overdue"), " by " + span(-left));
  } else {
    if (left < 2 * 3600 * 1000) node.classList.add("due-soon");
    node.append(span(left) + " left");
  }
  node.title = "Due " + formatFullTime(due);
}

export function tickDeadlines() {
  setInterval(() => document.querySelectorAll("[data-due]").forEach(renderDeadline), 15000);
}

export function subjectSummary(kind, subject) {
  const s = subject || {};
  if (kind === "person") {
    const name = [String(s.family_name || "").toUpperCase(), s.given_names].filter(Boolean).join(", ");
    return s.date_of_birth ? `${name} (${s.date_of_birth})` : name;
  }
  if (kind === "vehicle") {
    const plate = s.registration_number ? `${s.registration_number} (${s.registration_country})` : null;
    return [s.vin ? "VIN " + s.vin : null, plate, s.make].filter(Boolean).join(" · ");
  }
  if (kind === "document") {
    const type = labels.document_types[s.document_type] || s.document_type;
    return `${type} ${s.document_number} (${s.issuing_country})`;
  }
  if (kind === "dna") {
    const loci = Object.keys(s.loci || {}).length;
    return `${s.profile_reference} · ${loci} loci`;
  }
  if (kind === "fingerprint") {
    const fingers = (s.finger_positions || []).length;
    return [`AFIS ${s.afis_reference}`, s.print_type, fingers ? `${fingers} fingers` : null].filter(Boolean).join(" · ");
  }
  return "";
}

// ---- page chrome -----------------------------------------------------------------------

/**
 * The header (name, role, links) from the server's view of the caller; a page that is not
 * the role's (``forRoles``) sends the caller to the role's own page. Resolves to that view.
 */
export async function initChrome(forRoles = null) {
  const out = document.getElementById("sign-out");
  if (out) out.addEventListener("click", signOut);
  const principal = await whoAmI();
  if (forRoles && !forRoles.includes(principal.role)) {
    window.location.replace(landingFor(principal.role));
    throw new Error("not signed in as a role of this page");  // the page stops here
  }
  const who = document.getElementById("whoami");
  if (who) {
    who.textContent = principal.subject + " · " + principal.role + (principal.unit ? " · " + principal.unit : "");
  }
  for (const link of document.querySelectorAll("[data-roles]")) {
    link.hidden = !link.dataset.roles.split(" ").includes(principal.role);
  }
  return principal;
}

export const REQUEST_ROLES = ["officer", "supervisor", "pccc"];

// ---- live stream -----------------------------------------------------------------------

function setLiveState(state, text) {
  const node = document.getElementById("live-state");
  if (!node) return;
  node.hidden = false;
  node.dataset.state = state;
  node.textContent = text;
}

function parseFrame(frame) {
  let name = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trim());
  }
  return data.length ? { name, data: JSON.parse(data.join("\n")) } : null;
}

async function readStream(response, handlers) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = parseFrame(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (!event) continue;
      if (event.name === "ready") handlers.onReady();
      else if (event.name === "status") handlers.onNotice(event.data);
      else if (event.name === "inbound") handlers.onInbound(event.data);
      else if (event.name === "case") handlers.onCase(event.data);
    }
  }
}

/**
 * Follows GET /v1/stream with fetch() (EventSource cannot send the bearer token) and
 * reconnects with jittered exponential backoff. ``onReady`` runs after every (re)connection:
 * notices may have been missed meanwhile, so pages re-read what they show. ``onNotice`` gets
 * the ``status`` frames (requests we sent), ``onInbound`` the ``inbound`` frames (requests
 * received from partners), ``onCase`` the ``case`` frames (a message on a case's own thread).
 */
export function followLive({ onNotice = () => {}, onInbound = () => {}, onCase = () => {}, onReady }) {
  let failures = 0;
  const connect = async () => {
    const current = session();
    if (!current) return toSignIn(sessionExpired ? "expired" : null);
    try {
      const headers = { Accept: "text/event-stream" };
      if (current.token) headers.Authorization = "Bearer " + current.token;
      const response = await fetch("/v1/stream", { headers, cache: "no-store" });
      if (response.status === 401) {
        sessionStorage.removeItem(SESSION_KEY);
        return toSignIn("expired");
      }
      if (!response.ok) throw new Error("stream answered " + response.status);
      await readStream(response, {
        onReady: () => {
          failures = 0;
          setLiveState("live", "Live");
          onReady();
        },
        onNotice,
        onInbound,
        onCase,
      });
    } catch {
      // fall through to the reconnection below
    }
    failures += 1;
    const delay = Math.min(30000, 1000 * 2 ** Math.min(failures - 1, 5)) * (0.75 + Math.random() / 2);
    setLiveState("reconnecting", "Reconnecting…");
    setTimeout(connect, failures === 1 ? 200 : delay);
  };
  connect();
}

/** Runs ``fn`` at most once per ``ms``, and once more after the last call in a burst. */
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  return () => {
    if (timer) return;  // already scheduled: that run will see this change too
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, Math.max(0, last + ms - Date.now()));
  };
}

// ---- known to us (national registers) --------------------------------------------------

function registerLabel(name) {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function registerHit(hit) {
  return el("li", { class: "register-hit", dataset: { register: hit.register, record: hit.record_reference } },
    el("strong", {}, registerLabel(hit.register)), " · ", el("span", { class: "mono" }, hit.record_reference),
    el("div", {}, hit.summary),
    el("div", { class: "muted small" }, "Match: " + hit.match.replace(/_/g, " ")),
    registerDetails(hit.details));
}

/** A record's details (warrant, issuing authority, action to take, ...) as term and value. */
function registerDetails(details) {
  const entries = Object.entries(details || {});
  if (!entries.length) return null;
  return el("dl", { class: "answer register-details" }, entries.map(([key, value]) => [
    el("dt", {}, key.replace(/_/g, " ")),
    el("dd", {}, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)),
  ]));
}

/**
 * What the national registers hold on a subject (a ``NationalCheck``), as nodes: the records
 * found, the registers that found nothing, and those that did not answer (never hidden: their
 * records are unknown, not absent).
 */
export function knownToUs(check) {
  if (!check) return [el("p", { class: "muted" }, "Not checked yet.")];
  if (!check.registers.length) return [el("p", { class: "muted" }, "No national register holds this kind of subject.")];
  const nodes = [];
  const answered = check.registers.filter((name) => !check.unavailable.includes(name));
  if (check.hits.length) {
    const count = check.hits.length;
    nodes.push(el("p", { class: "warning known-hits" }, `${count} record${count === 1 ? "" : "s"} in our registers`));
    nodes.push(el("ul", { class: "register-hits" }, check.hits.map(registerHit)));
  }
  const clean = answered.filter((name) => !check.hits.some((hit) => hit.register === name));
  if (clean.length) nodes.push(el("p", { class: "known-clean" }, "Nothing found in: " + clean.map(registerLabel).join(", ")));
  if (check.unavailable.length) {
    nodes.push(el("p", { class: "alert alert-error known-unavailable" },
      "Did not answer, so unknown: " + check.unavailable.map(registerLabel).join(", ")));
  }
  const access = check.access_type === "direct" ? "directly" : "indirectly";
  nodes.push(el("p", { class: "muted small" }, `Checked ${formatFullTime(check.checked_at)}; this information is ${access} accessible to us.`));
  return nodes;
}
