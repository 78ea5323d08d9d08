// A case file: its details, close/reopen, the requests filed in it, every message as threads
// per partner, spontaneous information (Directive (EU) 2023/977 Art. 7), and everything in it
// as one timeline; kept live from the stream.
import {
  REQUEST_ROLES, api, el, followLive, initChrome, preciseTimeTag, problemText, requireSession, show,
  statusLabel, throttle,
} from "./common.js";
import { clearFormProblem, showFormProblem } from "./form-errors.js";
import { byPartner, listMessages, messageTypeLabel, partnerTitle, threadNodes, uploadAll, MAX_ATTACHMENTS } from "./conversation.js";
import { caseStatusBadge } from "./case-common.js";

const WRITERS = new Set(["officer", "supervisor"]);  // who may send a message (the API's rule)

requireSession();
const me = await initChrome(REQUEST_ROLES);
const caseId = document.getElementById("case").dataset.caseId;
const errorBox = document.getElementById("detail-error");
let latest = null;
let opener = null;

const words = (code) => String(code || "").replace(/_/g, " ");

/** An API link (/v1/requests/…) as the page that shows it (/requests/…). */
function pageOf(href) {
  const path = String(href || "");
  return path.startsWith("/v1/") ? path.slice(3) : path;
}

function pairs(entries) {
  return entries.filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]).flat();
}

function facts(item) {
  return pairs([
    ["Reference", el("span", { class: "mono", id: "case-reference" }, item.reference)],
    ["Title", item.title === null ? el("span", { class: "muted" }, "Erased (retention)") : item.title],
    ["Crime area", words(item.crime_area)],
    ["Handling code", item.handling_code],
    ["Owner", item.owner],
    ["Unit", item.unit],
    ["Status", item.status === "closed" ? `Closed — ${item.close_reason || ""}` : "Open"],
    ["Opened", preciseTimeTag(item.created_at)],
    ["Last change", preciseTimeTag(item.updated_at)],
    ["Case id", el("span", { class: "mono" }, item.id)],
  ]);
}

function linkItem(link) {
  const incoming = Boolean(link.inbound_id);
  const id = incoming ? link.inbound_id : link.request_id;
  const href = (incoming ? "/inbound/" : "/requests/") + id;
  const unlink = el("button", { type: "button", class: "button button-small button-quiet", "aria-label": `Take ${id.slice(0, 8)} out of the case` }, "Take out");
  unlink.addEventListener("click", async () => {
    unlink.disabled = true;
    const path = `/v1/cases/${caseId}/links/${incoming ? "inbound" : "requests"}/${id}`;
    const result = await api(path, { method: "DELETE" });
    unlink.disabled = false;
    const box = document.getElementById("links-error");
    if (!result.ok) {
      box.textContent = "Not taken out: " + problemText(result);
      show(box, true);
      return;
    }
    show(box, false);
    reload();
  });
  return el("li", { class: "case-link", dataset: { requestId: link.request_id || "", inboundId: link.inbound_id || "" } },
    el("span", { class: "tag" }, incoming ? "Received" : "Sent"),
    el("a", { href, class: "mono", title: (incoming ? "Open the received request " : "Open the request ") + id }, id.slice(0, 8)),
    el("span", { class: "muted small" }, "filed ", preciseTimeTag(link.linked_at), " by " + link.linked_by),
    latest && latest.status === "open" ? unlink : null);
}

function describe(detail) {
  const bits = [];
  for (const key of ["reason", "reference", "title", "channel", "country", "outcome", "error"]) {
    if (detail[key] !== undefined && detail[key] !== null && typeof detail[key] !== "object") bits.push(`${words(key)}: ${detail[key]}`);
  }
  if (detail.message_type) bits.push(messageTypeLabel(detail.message_type));
  if (detail.request_id && !bits.length) bits.push("request " + String(detail.request_id).slice(0, 8));
  if (detail.inbound_id && !bits.length) bits.push("received request " + String(detail.inbound_id).slice(0, 8));
  return bits.join(" · ");
}

const SOURCES = { case: "Case", request: "Sent request", inbound: "Received request", message: "Message" };

function timelineRow(item) {
  const change = item.to_status ? `${item.from_status ? statusLabel(item.from_status) + " → " : ""}${statusLabel(item.to_status)}` : "";
  const label = SOURCES[item.source] || words(item.source);
  // A message filed in the case is shown in its partner's thread above; it has no page.
  const target = item.source === "case" ? label
    : item.source === "message" ? `${label} ${String(item.message_id || "").slice(0, 8)}`
      : el("a", { href: pageOf(item.href) }, label + " " + String(item.request_id || item.inbound_id || "").slice(0, 8));
  return el("tr", { dataset: { source: item.source, type: item.type } },
    el("td", { class: "nowrap" }, preciseTimeTag(item.at)),
    el("td", {}, target),
    el("td", {}, words(item.type)),
    el("td", { class: "mono small" }, item.actor),
    el("td", {}, change),
    el("td", { class: "small" }, describe(item.detail || {})));
}

function render(item) {
  latest = { ...latest, ...item, timeline: item.timeline || (latest && latest.timeline) || [] };
  const current = latest;
  document.title = `Case ${current.reference} · oss-router desk`;
  document.getElementById("case-title").textContent = `Case ${current.reference}${current.title ? ": " + current.title : ""}`;
  const status = document.getElementById("case-status");
  status.replaceChildren(caseStatusBadge(current));
  status.dataset.status = current.status;
  document.getElementById("case-summary").textContent =
    `${words(current.crime_area)} · ${current.handling_code} · owner ${current.owner} · ${current.links.length} request${current.links.length === 1 ? "" : "s"}`;
  document.getElementById("facts").replaceChildren(...facts(current));
  const links = current.links.map(linkItem);
  document.getElementById("links").replaceChildren(...(links.length ? links : [el("li", { class: "muted" }, "Nothing filed yet.")]));
  document.getElementById("timeline-rows").replaceChildren(...current.timeline.map(timelineRow));
  show(document.getElementById("timeline-truncated"), Boolean(current.timeline_truncated));
  const newRequest = document.getElementById("case-new-request");
  newRequest.setAttribute("href", "/requests/new?case_id=" + current.id);
  show(newRequest, current.status === "open");
  show(document.getElementById("close-open"), current.status === "open");
  show(document.getElementById("reopen"), current.status === "closed");
  const spontaneous = document.getElementById("spontaneous-open");
  show(spontaneous, current.status === "open" && WRITERS.has(me.role));
  if (current.status !== "open") closeForm(document.getElementById("spontaneous-form"), false);
}

async function loadThreads() {
  // The case's messages (GET /v1/messages?case_id=…), grouped into a thread per partner.
  const { result, items } = await listMessages({ case_id: caseId });
  const box = document.getElementById("threads");
  if (result) {
    box.replaceChildren(el("p", { class: "muted" }, result.status === 404 ? "Messages are not available from this gateway yet." : "The messages could not be read: " + problemText(result)));
    return;
  }
  const groups = byPartner(items);
  if (!groups.length) {
    box.replaceChildren(el("p", { class: "muted", id: "threads-empty" }, "No message has been exchanged in this case yet."));
    return;
  }
  box.replaceChildren(...groups.map((group) => el("section", {
    class: "thread", dataset: { country: group.country || "", channel: group.channel || "" }, "aria-label": "Conversation with " + partnerTitle(group),
  }, el("h3", { class: "thread-title" }, partnerTitle(group)), withFilingActions(group.messages, threadNodes(group.messages)))));
}

const mayFile = () => latest && latest.status === "open";

/** A message received and filed in the case on its own (not on a request's thread) can be taken out. */
function withFilingActions(messages, nodes) {
  if (!mayFile()) return nodes;
  return nodes.map((node, index) => {
    const message = messages[index];
    if (!message || message.direction !== "incoming" || message.dispatch_id || message.inbound_id || message.case_id !== caseId) return node;
    const button = el("button", { type: "button", class: "button button-small button-quiet", "aria-label": `Take message ${message.id.slice(0, 8)} out of the case` }, "Take out of the case");
    button.addEventListener("click", () => fileAction(button, `/v1/cases/${caseId}/links/messages/${message.id}`, "DELETE", undefined, "threads-error"));
    node.append(el("div", { class: "actions" }, button));
    return node;
  });
}

async function fileAction(button, path, method, body, errorId) {
  button.disabled = true;
  const result = await api(path, { method, body });
  button.disabled = false;
  const box = document.getElementById(errorId);
  if (!result.ok) {
    box.textContent = (result.status === 409 ? "Not possible now: " : "Not done: ") + problemText(result);
    show(box, true);
    reload();
    return;
  }
  show(box, false);
  reload();
}

/** Spontaneous information received and filed in no case (GET /v1/messages?unfiled=true). */
async function loadUnfiled() {
  const section = document.getElementById("unfiled");
  if (!mayFile()) return show(section, false);
  const { result, items } = await listMessages({ unfiled: "true", direction: "incoming" }, 100);
  if (result || !items.length) return show(section, false);
  const nodes = threadNodes(items).map((node, index) => {
    const message = items[index];
    const button = el("button", { type: "button", class: "button button-small", "aria-label": `File message ${message.id.slice(0, 8)} in this case` }, "File it in this case");
    button.addEventListener("click", () => fileAction(button, `/v1/cases/${caseId}/links`, "POST", { message_id: message.id }, "unfiled-error"));
    node.append(el("div", { class: "actions" }, button));
    return node;
  });
  document.getElementById("unfiled-list").replaceChildren(...nodes);
  show(section, true);
}

async function load() {
  const result = await api("/v1/cases/" + caseId);
  if (!result.ok) {
    errorBox.textContent = result.status === 404 ? "No such case, or it is not one you may see." : "The case could not be read: " + problemText(result);
    show(errorBox, true);
    if (result.status === 404) document.querySelectorAll(".detail-grid, .card").forEach((node) => { node.hidden = true; });
    return;
  }
  show(errorBox, false);
  render(result.data);
  await Promise.all([loadThreads(), loadUnfiled()]);
}

// ---- actions -----------------------------------------------------------------------------

function openForm(form, from) {
  opener = from;
  clearFormProblem(form);
  show(form, true);
  const control = form.querySelector("input:not([type=hidden]), textarea, select");
  if (control) control.focus();
}

function closeForm(form, refocus = true) {
  show(form, false);
  clearFormProblem(form);
  if (refocus && opener && !opener.hidden) opener.focus();
}

const closeFormNode = document.getElementById("close-form");
document.getElementById("close-open").addEventListener("click", (event) => openForm(closeFormNode, event.currentTarget));
closeFormNode.addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = await api(`/v1/cases/${caseId}/close`, { method: "POST", body: { reason: closeFormNode.elements.reason.value.trim() } });
  if (result.ok) {
    closeFormNode.reset();
    closeForm(closeFormNode, false);
    render(result.data);
    reload();
    return;
  }
  if (result.status === 409) reload();
  showFormProblem(closeFormNode, result, result.status === 409 ? "Not possible now: " : "");
});

document.getElementById("reopen").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  const result = await api(`/v1/cases/${caseId}/reopen`, { method: "POST" });
  button.disabled = false;
  if (!result.ok) {
    errorBox.textContent = (result.status === 409 ? "Not possible now: " : "Not reopened: ") + problemText(result);
    show(errorBox, true);
    reload();
    return;
  }
  render(result.data);
  reload();
});

const spontaneousForm = document.getElementById("spontaneous-form");
document.getElementById("spontaneous-open").addEventListener("click", (event) => openForm(spontaneousForm, event.currentTarget));
spontaneousForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFormProblem(spontaneousForm);
  const button = spontaneousForm.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const fields = spontaneousForm.elements;
    const files = [...fields.files.files];
    if (files.length > MAX_ATTACHMENTS) {
      showFormProblem(spontaneousForm, { status: 422, data: { errors: [{ field: "attachment_ids", message: `At most ${MAX_ATTACHMENTS} files on one message.` }] } });
      return;
    }
    const uploaded = await uploadAll(files);
    if (uploaded.result) {
      showFormProblem(spontaneousForm, uploaded.result);
      return;
    }
    const body = {
      country: fields.country.value.trim().toUpperCase(),
      kind: fields.kind.value,
      legal_basis: fields.legal_basis.value.trim(),
      handling_code: fields.handling_code.value,
      text: fields.text.value.trim(),
      attachment_ids: uploaded.ids,
    };
    if (fields.urgency.value) body.urgency = fields.urgency.value;
    const result = await api(`/v1/cases/${caseId}/spontaneous`, { method: "POST", body });
    if (result.ok) {
      spontaneousForm.reset();
      closeForm(spontaneousForm);
      await reload();
      return;
    }
    showFormProblem(spontaneousForm, result, result.status === 409 ? "Not possible now: " : "");
  } catch {
    showFormProblem(spontaneousForm, { status: 0, data: { detail: "The gateway cannot be reached; nothing was sent. Try again." } });
  } finally {
    button.disabled = false;
  }
});

for (const form of [closeFormNode, spontaneousForm]) {
  form.addEventListener("keydown", (event) => { if (event.key === "Escape") closeForm(form); });
  for (const close of form.querySelectorAll("[data-close]")) close.addEventListener("click", () => closeForm(form));
}

function reload() {
  return load();
}

load();
const liveLoad = throttle(reload, 300);
/** A notice about a request filed here (a status change, a message on its thread). */
function concernsThisCase(notice) {
  if (!latest) return false;
  return latest.links.some((link) => link.request_id === notice.request_id);
}
followLive({
  onNotice: (notice) => { if (concernsThisCase(notice)) liveLoad(); },
  onInbound: (notice) => { if (latest && latest.links.some((link) => link.inbound_id === notice.inbound_id)) liveLoad(); },
  onCase: (notice) => { if (notice.case_id === caseId) liveLoad(); },
  onReady: liveLoad,
});
