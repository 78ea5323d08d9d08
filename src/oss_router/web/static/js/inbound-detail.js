// An incoming request: what it asks, what our registers hold, related requests, the replies
// and their delivery, the timeline, and the officer's actions (take/assign, answer, refuse,
// ask for clarification, notify a delay); kept live from the stream.
import {
  api, channelLabel, countryName, el, followLive, formatFullTime, initChrome, kindLabel, knownToUs, labels,
  preciseTimeTag, problemText, requireSession, show, subjectSummary, throttle, tickDeadlines,
} from "./common.js";
import {
  INBOUND_CLOSED, INBOUND_ROLES, PAUSED, clockCell, inboundBadge, inboundStatusLabel, isMine,
  personName, replyBadge, replyTypeLabel,
} from "./inbound-common.js";
import { caseCard } from "./case-card.js";
import { REPLY_TYPES, messageForm, messageTypeLabel, openQuestions, sendableTypes, threadNodes } from "./conversation.js";

const HANDLING = {
  H0: "use only to prevent and combat crime",
  H1: "not in judicial proceedings without the provider's permission",
  H2: "not to be disseminated without the provider's permission",
  H3: "other restrictions, stated in the text",
};
// Which replies each status allows (inbound/lifecycle.py): only to offer what the API would
// accept; it decides (409). A reply is given by the request's officer, once it is assigned.
const REPLIES_ALLOWED = {
  assigned: ["answer", "refuse", "clarify", "delay"],
};
const ASSIGNABLE = new Set(["received", "assigned", "awaiting_clarification"]);
const CORRECTORS = new Set(["officer", "supervisor"]);  // who may correct the access type (the API's rule)

requireSession();
const me = await initChrome(INBOUND_ROLES);
const inboundId = document.getElementById("inbound").dataset.inboundId;
const errorBox = document.getElementById("detail-error");
let latest = null;
let opener = null;

for (const node of document.querySelectorAll(".time-zone")) {
  node.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
}

// ---- facts ------------------------------------------------------------------------------

function pairs(entries) {
  return el("dl", { class: "answer" }, entries.filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)])).childNodes;
}

const words = (code) => String(code || "").replace(/_/g, " ");

function urgencyText(request) {
  if (request.urgency !== "urgent") return "Normal";
  const ground = request.urgency_ground ? labels.urgency_grounds[request.urgency_ground] || words(request.urgency_ground) : null;
  return ground ? `Urgent — ${ground}` : "Urgent";
}

function accessText(request) {
  if (!request.access_type) return null;
  const source = { registers: "from our registers' configuration", partner: "as the partner stated", officer: "corrected by an officer" }[request.access_type_source];
  return `${request.access_type === "direct" ? "Directly" : "Indirectly"} accessible` + (source ? ` (${source})` : "");
}

function facts(request) {
  return pairs([
    ["Partner reference", el("span", { class: "mono", id: "partner-reference" }, request.partner_reference)],
    ["Channel", el("span", { class: "channel channel-" + request.channel }, channelLabel(request.channel))],
    ["Requesting country", `${countryName(request.requesting_country)} (${request.requesting_country})`],
    ["Requesting authority", request.requesting_authority],
    ["Received", formatFullTime(request.received_at)],
    ["Registered", request.source === "manual" ? `By hand${request.registered_by ? " — " + request.registered_by : ""}` : null],
    ["Unit", request.unit],
    ["Urgency", urgencyText(request)],
    ["Access", accessText(request)],
    ["Language", request.language],
    ["Handling code", request.handling_code ? `${request.handling_code} — ${HANDLING[request.handling_code] || ""}` : null],
    ["Purpose", request.purpose],
    ["Due", request.due_at ? formatFullTime(request.due_at) : null],
    ["Deadline basis", el("span", { id: "deadline-basis" }, request.deadline_basis || "—")],
    ["Assigned to", request.assigned_to ? personName(request.assigned_to) : "Not assigned"],
    ["Request id", el("span", { class: "mono" }, request.id)],
  ]);
}

function subjectFacts(request) {
  const entries = Object.entries(request.subject || {}).map(([key, value]) => {
    let shown = value;
    if (key === "loci") shown = Object.entries(value).map(([locus, alleles]) => `${locus}: ${alleles.join(", ")}`).join(" · ");
    else if (Array.isArray(value)) shown = value.join(", ");
    else if (key === "document_type") shown = labels.document_types[value] || value;
    return [words(key), shown];
  });
  return entries.length ? pairs(entries) : [el("p", { class: "muted" }, "No subject (purged or not given).")];
}

// ---- national registers and related requests --------------------------------------------

/** What the registers held on the subject when it was registered (stored with the request). */
function renderRegisters(request) {
  const check = request.purged_at ? null : request.national_check;
  document.getElementById("known-to-us").replaceChildren(...knownToUs(check));
}

/** An earlier request about the same subject: one received (/inbound) or one we sent (/requests). */
function relatedItem(item) {
  const incoming = item.direction === "inbound";
  const href = (incoming ? "/inbound/" : "/requests/") + item.id;
  const countries = (item.countries || []).join(", ");
  return el("li", { class: "related-item", dataset: { relatedId: item.id, direction: item.direction } },
    el("span", { class: "tag" }, incoming ? "Received" : "Sent"), " ",
    el("a", { href, class: "mono", title: (incoming ? "Open the received request " : "Open the request ") + item.id }, item.id.slice(0, 8)),
    countries ? (incoming ? ` from ${countries}` : ` to ${countries}`) : null,
    item.channel ? ` via ${channelLabel(item.channel)}` : null,
    item.at ? [" · ", el("time", { datetime: item.at }, formatFullTime(item.at))] : null,
    item.status ? ` · ${words(item.status)} when this one arrived` : null);
}

const RELATED_SHOWN = 10;

function renderRelated(related) {
  const all = related || [];
  const items = all.slice(0, RELATED_SHOWN).map(relatedItem);
  if (all.length > RELATED_SHOWN) items.push(el("li", { class: "muted", id: "related-more" }, `and ${all.length - RELATED_SHOWN} more about the same subject`));
  if (!items.length) items.push(el("li", { class: "muted" }, "No earlier request, received or sent, concerns this subject."));
  document.getElementById("related").replaceChildren(...items);
}

// ---- replies and timeline ---------------------------------------------------------------

function replyContent(reply) {
  const body = reply.body || {};
  const bits = [];
  if (body.outcome) bits.push(el("span", { class: "outcome outcome-" + body.outcome }, body.outcome === "hit" ? "Hit" : "No hit"));
  if (body.ground) bits.push(el("strong", {}, `Art. 6(1)(${body.ground}) — ${labels.refusal_grounds[body.ground] || ""}`));
  for (const key of ["information", "reason", "question"]) if (body[key]) bits.push(el("div", {}, body[key]));
  if (body.expected_by) bits.push(el("div", {}, "Expected by ", preciseTimeTag(body.expected_by)));
  if (!reply.body) bits.push(el("span", { class: "muted" }, "Content purged"));
  return bits;
}

function replyRow(reply) {
  const delivery = [replyBadge(reply.status)];
  if (reply.attempts > 1) delivery.push(el("div", { class: "muted small" }, `${reply.attempts} attempts`));
  if (reply.delivered_at) delivery.push(el("div", { class: "muted small" }, "delivered ", preciseTimeTag(reply.delivered_at)));
  if (reply.error) delivery.push(el("div", { class: "error-text small" }, reply.error));
  return el("tr", { dataset: { replyId: reply.id, type: reply.type, status: reply.status } },
    el("td", { class: "nowrap" }, preciseTimeTag(reply.created_at)),
    el("td", {}, replyTypeLabel(reply.type)),
    el("td", { class: "mono small" }, reply.created_by || ""),
    el("td", {}, delivery),
    el("td", { class: "small" }, replyContent(reply)));
}

function describeEvent(event) {
  const detail = event.detail || {};
  const bits = [];
  if (detail.assigned_to) bits.push("To " + detail.assigned_to + (detail.previously_assigned_to ? ` (was ${detail.previously_assigned_to})` : ""));
  if (detail.reply_type) bits.push(replyTypeLabel(detail.reply_type));
  if (detail.message_type) bits.push(messageTypeLabel(detail.message_type));
  if (detail.outcome) bits.push("Outcome: " + words(detail.outcome));
  if (detail.ground) bits.push(`Ground Art. 6(1)(${detail.ground})`);
  for (const key of ["reason", "question", "text", "error"]) if (detail[key]) bits.push(String(detail[key]));
  if (detail.expected_by) bits.push("Expected by " + formatFullTime(detail.expected_by));
  if (detail.due_at) bits.push("Due " + formatFullTime(detail.due_at));
  if (detail.deadline_basis) bits.push(detail.deadline_basis);
  return bits.join(" · ");
}

function timelineRow(event) {
  const change = event.to_status
    ? (event.from_status ? inboundStatusLabel(event.from_status) + " → " : "") + inboundStatusLabel(event.to_status)
    : "";
  return el("tr", { dataset: { type: event.type } },
    el("td", { class: "nowrap" }, preciseTimeTag(event.at)),
    el("td", {}, words(event.type)),
    el("td", { class: "mono small" }, event.actor),
    el("td", {}, change),
    el("td", { class: "small" }, describeEvent(event)));
}

// ---- the clock: due time with its basis, paused, delayed --------------------------------

function latestDelay(request) {
  const notices = (request.replies || []).filter((reply) => reply.type === "delay_notice" && reply.body);
  if (notices.length) return notices[notices.length - 1].body;
  const events = (request.events || []).filter((event) => /delay/.test(event.type) && event.detail);
  return events.length ? events[events.length - 1].detail : null;
}

function renderClock(request) {
  const due = document.getElementById("inbound-due");
  if (INBOUND_CLOSED.has(request.status)) {
    due.replaceChildren(`Closed: ${inboundStatusLabel(request.status).toLowerCase()}`);
  } else {
    due.replaceChildren(request.status === PAUSED ? "Answer due: " : "Answer due: ",
      clockCell(el("span", { class: "deadline", id: "time-left" }), request),
      el("span", { class: "muted" }, " · " + (request.deadline_basis || "")));
  }
  const notice = document.getElementById("clock-notice");
  const parts = [];
  if (request.status === PAUSED) {
    parts.push(el("p", { id: "pause-notice" }, el("strong", {}, "⏸ Clock paused"),
      request.suspended_at ? [" since ", preciseTimeTag(request.suspended_at)] : null,
      ": the partner was asked for clarification, and the time limit stands still until it answers (Directive (EU) 2023/977 Art. 6(3))."));
  }
  const delay = latestDelay(request);
  if (delay && !INBOUND_CLOSED.has(request.status)) {
    parts.push(el("p", { id: "delay-notice" }, el("strong", {}, "Delay notified"),
      delay.expected_by ? [" — answer now expected by ", preciseTimeTag(delay.expected_by)] : null,
      delay.reason ? `. Reason: ${delay.reason}` : null));
  }
  notice.replaceChildren(...parts);
  show(notice, parts.length > 0);
}

// ---- rendering ---------------------------------------------------------------------------

/** Whether the Directive governs the request — a SIENA request from an EU member state or a
 * Schengen associated state (inbound/deadlines.py ``is_directive_request``): then a refusal
 * names an Art. 6(1) ground, and only then. The server's word when the read carries it. */
function directiveApplies(request) {
  if (typeof request.directive === "boolean") return request.directive;
  return request.channel === "europol" && labels.directive_countries.includes(request.requesting_country);
}

/** Who may reply: the request's officer, or a supervisor (inbound/actions.py). */
function mayReply(request) {
  return me.role === "supervisor" || isMine(request, me);
}

function replyHint(request) {
  if (INBOUND_CLOSED.has(request.status)) return "This request is closed; no further reply can be sent.";
  const route = `Each reply goes back to ${countryName(request.requesting_country)} through ${channelLabel(request.channel)}, the channel the request came by.`;
  if (request.status === PAUSED) return `Waiting for the partner's clarification. ${route}`;
  if (!request.assigned_to) return `Take the request to reply to it. ${route}`;
  if (!mayReply(request)) return `Assigned to ${personName(request.assigned_to)}: they (or a supervisor) reply. ${route}`;
  return route;
}

function render(request) {
  latest = request;
  const title = `${kindLabel(request.kind)}: ${subjectSummary(request.kind, request.subject)}`;
  document.title = `${title} · from ${request.requesting_country} · oss-router desk`;
  document.getElementById("inbound-title").textContent = title;
  const status = document.getElementById("inbound-status");
  status.replaceChildren(inboundBadge(request.status));
  status.dataset.status = request.status;
  renderClock(request);
  document.getElementById("facts").replaceChildren(...facts(request));
  document.getElementById("subject").replaceChildren(...subjectFacts(request));
  renderRegisters(request);
  renderRelated(request.related);
  const replies = request.replies || [];
  document.getElementById("reply-rows").replaceChildren(...replies.map(replyRow));
  show(document.getElementById("replies-empty"), replies.length === 0);
  document.getElementById("timeline-rows").replaceChildren(...(request.events || []).map(timelineRow));
  const allowed = new Set(mayReply(request) ? REPLIES_ALLOWED[request.status] || [] : []);
  for (const button of document.querySelectorAll("#reply-actions [data-open]")) {
    show(button, allowed.has(button.dataset.open.replace("-form", "")));
  }
  document.getElementById("reply-hint").textContent = replyHint(request);
  const assignable = ASSIGNABLE.has(request.status);
  // Taking one assigned to someone else is a supervisor's reassignment (inbound/actions.py).
  const free = !request.assigned_to || me.role === "supervisor";
  show(document.getElementById("take-it"), assignable && free && !isMine(request, me));
  show(document.getElementById("assign-open"), assignable && me.role === "supervisor");
  const access = document.getElementById("access-open");
  show(access, !INBOUND_CLOSED.has(request.status) && CORRECTORS.has(me.role));
  const other = request.access_type === "direct" ? "indirect" : "direct";
  if (document.getElementById("access-form").hidden) document.getElementById("access-type").value = other;
  const directive = directiveApplies(request);
  const picker = document.getElementById("ground-picker");
  picker.hidden = !directive;
  picker.disabled = !directive;
  document.getElementById("refuse-reason-label").textContent = directive ? "Reasons given to the partner" : "Reason for the refusal";
  document.getElementById("refuse-reason-hint").textContent = directive
    ? "The reasons are communicated to the requesting side with the ground (Directive (EU) 2023/977 Art. 6(2))."
    : `Not a request under Directive (EU) 2023/977 (no Art. 6(1) ground applies): ${channelLabel(request.channel)} takes its own reason.`;
  for (const form of document.querySelectorAll(".action-form:not([hidden])")) {
    const button = document.querySelector(`[data-open="${form.id}"]`);
    if (button && button.hidden) closeForm(form, false);
  }
  renderConversation(request);
}

// ---- the conversation after our reply (issue 15) ----------------------------------------

let lastMessages = [];  // an action's answer is not a detail read: it carries no thread
const conversation = { form: null, key: null };
const WRITERS = new Set(["officer", "supervisor"]);  // who may send a message (the API's rule)

/** The types an officer may send now: the read's own list where it has one; otherwise, once
 * we have replied (answered or refused), every type, ``answer`` only to an open question. */
function typesAllowed(request, questions) {
  if (Array.isArray(request.message_types_allowed)) return sendableTypes(request.message_types_allowed, questions);
  if (!INBOUND_CLOSED.has(request.status)) return [];
  return sendableTypes(REPLY_TYPES, questions);
}

function renderConversation(request) {
  if (Array.isArray(request.messages)) lastMessages = request.messages;
  document.getElementById("conversation").replaceChildren(...threadNodes(lastMessages, "No message yet beyond the request and our replies."));
  const questions = openQuestions(lastMessages);
  const types = WRITERS.has(me.role) ? typesAllowed(request, questions) : [];
  const key = types.join(",") + "|" + questions.map((q) => q.id).join(",");
  const typing = conversation.form && conversation.form.elements.text.value.trim();
  if (key !== conversation.key && !typing) {
    const wasOpen = conversation.form && !conversation.form.hidden;
    if (conversation.form) conversation.form.remove();
    conversation.form = types.length ? messageForm({
      label: `Message to ${countryName(request.requesting_country)} through ${channelLabel(request.channel)}`,
      types, questions,
      send: (body) => api(`/v1/inbound/${inboundId}/messages`, { method: "POST", body }),
      onSent: () => { show(conversation.form, false); return reload(); },
    }) : null;
    if (conversation.form) {
      conversation.form.hidden = !wasOpen;
      document.getElementById("conversation-form-slot").append(conversation.form);
    }
    conversation.key = key;
  }
  show(document.getElementById("conversation-open"), Boolean(conversation.form));
}

document.getElementById("conversation-open").addEventListener("click", () => {
  if (!conversation.form) return;
  show(conversation.form, conversation.form.hidden);
  if (!conversation.form.hidden) conversation.form.querySelector("textarea").focus();
});

/**
 * Read the request. Opening the page is a consultation the audit log records; the page
 * re-reading itself (after an action, a live notice, a reconnection) says so with ``refresh``
 * and is logged at most once per person per window, as for outgoing requests.
 */
async function load({ refresh = false } = {}) {
  const result = await api("/v1/inbound/" + inboundId + (refresh ? "?refresh=true" : ""));
  if (!result.ok) {
    errorBox.textContent = result.status === 404 ? "No such incoming request (or not one you may see)." : "The request could not be read: " + problemText(result);
    show(errorBox, true);
    return;
  }
  show(errorBox, false);
  render(result.data);
  if (!refresh) {
    // Suggested: the cases holding a related request (InboundRead.suggested_cases, detail read).
    caseCard(document.getElementById("case-card-body"), {
      kind: "inbound", id: inboundId, suggested: result.data.suggested_cases || [], filedIn: result.data.case || null,
    });
  }
}

// ---- actions -----------------------------------------------------------------------------

function clearErrors(form) {
  form.querySelectorAll(".field-error, .form-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((node) => {
    node.removeAttribute("aria-invalid");
    const ids = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.startsWith("error-"));
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  });
  form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
}

/** The server's problem at the fields it names; anything else (a 409) at the top of the form. */
function showErrors(form, result) {
  const problem = result.data || {};
  const errors = problem.errors || [];
  let first = null;
  errors.forEach((error, index) => {
    const name = String(error.field || "").split(".")[0];
    const box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!box) return;
    const id = `error-${form.id}-${index}`;
    box.classList.add("has-error");
    const anchor = box.querySelector(":scope > label, :scope > .label, :scope > legend");
    const message = el("p", { class: "field-error", id, dataset: { errorFor: error.field } },
      el("span", { class: "visually-hidden" }, "Error: "), error.message);
    if (anchor) anchor.after(message); else box.prepend(message);
    const control = box.querySelector("input:not([type=hidden]), select, textarea");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      const described = control.getAttribute("aria-describedby");
      control.setAttribute("aria-describedby", described ? `${id} ${described}` : id);
      first = first || control;
    }
  });
  const placed = form.querySelectorAll(".field-error").length;
  if (!placed) {
    const text = result.status === 409
      ? "Not possible now: " + problemText(result) + " The page shows the request as it is now."
      : problemText(result);
    const box = el("p", { class: "form-error alert alert-error", role: "alert", tabindex: "-1" }, text);
    form.querySelector("h2, h3").after(box);
    box.focus();
  } else if (first) {
    first.focus();
  }
}

function openForm(form, from) {
  for (const other of document.querySelectorAll(".action-form:not([hidden])")) if (other !== form) closeForm(other, false);
  clearErrors(form);
  opener = from;
  show(form, true);
  const control = form.querySelector("fieldset:not([disabled]) input, input:not([type=radio]), textarea, input");
  if (control) control.focus();
}

function closeForm(form, refocus = true) {
  show(form, false);
  clearErrors(form);
  if (refocus && opener && !opener.hidden) opener.focus();
}

function instant(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

const trimmed = (form, name) => form.elements[name].value.trim();

const BODIES = {
  "answer-form": (form) => ({ outcome: form.elements.outcome.value || undefined, information: trimmed(form, "information") || undefined }),
  "refuse-form": (form) => {
    const body = { reason: trimmed(form, "reason") };
    if (directiveApplies(latest)) body.ground = form.elements.ground.value || undefined;
    return body;
  },
  "clarify-form": (form) => ({ question: trimmed(form, "question") }),
  "delay-form": (form) => ({ reason: trimmed(form, "reason"), expected_by: instant(form.elements.expected_by.value) }),
  "assign-form": (form) => ({ officer: trimmed(form, "officer") }),
  "access-form": (form) => ({ access_type: form.elements.access_type.value, reason: trimmed(form, "reason") }),
};
const PATHS = {
  "answer-form": "answer",
  "refuse-form": "refuse",
  "clarify-form": "clarification-request",
  "delay-form": "delay",
  "assign-form": "assign",
  "access-form": "access-type",
};

async function post(action, body) {
  return api(`/v1/inbound/${inboundId}/${action}`, { method: "POST", body });
}

function afterAction(result) {
  if (result.data && result.data.id === inboundId) render({ ...latest, ...result.data, events: latest.events });
  return reload();
}

for (const form of document.querySelectorAll(".action-form")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const result = await post(PATHS[form.id], BODIES[form.id](form));
      if (result.ok) {
        form.reset();
        closeForm(form);
        await afterAction(result);
        return;
      }
      if (result.status === 409) {
        await reload();  // the request as it is now; the form stays to say why not
        show(form, true);
      }
      showErrors(form, result);
    } catch {
      showErrors(form, { status: 0, data: { detail: "The gateway cannot be reached; nothing was sent. Try again." } });
    } finally {
      button.disabled = false;
    }
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeForm(form);
  });
  for (const close of form.querySelectorAll("[data-close]")) close.addEventListener("click", () => closeForm(form));
}
for (const button of document.querySelectorAll("[data-open]")) {
  button.addEventListener("click", () => openForm(document.getElementById(button.dataset.open), button));
}
for (const id of ["assign", "access"]) {
  document.getElementById(id + "-open").addEventListener("click", (event) => {
    openForm(document.getElementById(id + "-form"), event.currentTarget);
  });
}

const take = document.getElementById("take-it");
take.addEventListener("click", async () => {
  take.disabled = true;
  try {
    const result = await post("assign", { officer: me.subject });
    if (!result.ok) {
      errorBox.textContent = (result.status === 409 ? "Not possible now: " : "Not taken: ") + problemText(result);
      show(errorBox, true);
      reload();
      return;
    }
    await afterAction(result);
  } finally {
    take.disabled = false;
  }
});

function reload() {
  return load({ refresh: true });
}

load();
tickDeadlines();
const liveLoad = throttle(reload, 300);
followLive({
  // Every notice of this request re-reads it, a message on its thread (event "message") too.
  onInbound: (notice) => { if (notice.inbound_id === inboundId) liveLoad(); },
  onReady: liveLoad,
});
