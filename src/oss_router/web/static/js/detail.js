// Request detail: dispatches with their answers, the timeline, cancellation; kept live.
import {
  REQUEST_ROLES, api, channelLabel, countryName, deadlineCell, el, followLive, formatFullTime,
  initChrome, kindLabel, knownToUs, labels, needsAction, preciseTimeTag, problemText, requireSession, show,
  statusBadge, statusLabel, subjectSummary, throttle, tickDeadlines, warningItem,
} from "./common.js";
import { caseCard } from "./case-card.js";
import { clearFormProblem, showFormProblem } from "./form-errors.js";
import { messageForm, messageTypeLabel, openQuestions, sendableTypes, threadNodes } from "./conversation.js";

const TERMINAL = new Set(["answered", "failed", "cancelled"]);
const DESK_ROLES = new Set(["officer", "supervisor"]);  // who may cancel (the API's rule)
const HANDLING = {
  H0: "use only to prevent and combat crime",
  H1: "not in judicial proceedings without the provider's permission",
  H2: "not to be disseminated without the provider's permission",
  H3: "other restrictions, stated in the text",
};
const SOURCE = { A: "source reliable", B: "source usually reliable", C: "source not reliable", X: "source reliability unknown" };
const INFORMATION = {
  1: "known to be true", 2: "known personally to the source", 3: "corroborated", 4: "cannot be judged",
};

requireSession();
const me = await initChrome(REQUEST_ROLES);
const requestId = document.getElementById("request").dataset.requestId;
const errorBox = document.getElementById("detail-error");
let latest = null;
let known = null;  // the last register check: a refresh or an action's answer carries none

// ---- answers, per channel --------------------------------------------------------------

function pairs(entries) {
  return el("dl", { class: "answer" }, entries.filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

function evaluation(code) {
  if (!code) return null;
  return `${code} — ${SOURCE[code[0]] || "?"}, information ${INFORMATION[code[1]] || "?"}`;
}

const ANSWERS = {
  sirene: (a) => pairs([
    ["Bureau", a.responding_bureau],
    ["Form", a.form === "G" ? "G — hit on an alert" : `${a.form} — miscellaneous`],
    ["SIS alert", a.alert_article ? `Art. ${a.alert_article} · ${a.sis_alert_id}` : a.sis_alert_id],
    ["Action to take", a.action_to_take],
    ["Remarks", a.remarks],
  ]),
  europol: (a) => pairs([
    ["SPOC", a.responding_spoc],
    ["SIENA ref.", a.siena_reference],
    ["Handling", a.handling_code ? `${a.handling_code} — ${HANDLING[a.handling_code] || ""}` : null],
    ["Evaluation", evaluation(a.evaluation_code)],
    ["Remarks", a.remarks],
  ]),
  interpol: (a) => pairs([
    ["NCB", a.responding_ncb],
    ["Message", a.message_reference],
    ["Database", a.database_searched],
    ["Notice", a.notice_colour ? el("span", { class: "notice notice-" + a.notice_colour }, a.notice_colour[0].toUpperCase() + a.notice_colour.slice(1) + " notice") : null],
    ["Remarks", a.remarks],
  ]),
  liaison_officer: (a) => pairs([["Post", a.post], ["Summary", a.officer_summary]]),
  prum: (a) => pairs([
    ["Contact point", a.national_contact_point],
    ["Search", a.search === "dna_profile_search" ? "DNA profiles" : "Dactyloscopic data (fingerprints)"],
    ["Result", a.result === "hit" ? "Hit" : "No hit"],
    ["Partner's reference", a.partner_reference],
    ["Match", a.match_detail],
    ["Next step", a.follow_up],
    ["Remarks", a.remarks],
  ]),
  pccc: (a) => pairs([
    ["Centre", a.centre],
    ["Check", a.check_performed ? a.check_performed.replace(/_/g, " ") : null],
    ["Result", a.result ? a.result.replace(/_/g, " ") : null],
    ["Remarks", a.remarks],
  ]),
};

function answerCell(dispatch) {
  const parts = [];
  if (dispatch.refusal_ground) {
    parts.push(el("p", { class: "refusal" }, el("strong", {}, `Refused — Art. 6(1)(${dispatch.refusal_ground}): `),
      labels.refusal_grounds[dispatch.refusal_ground] || ""));
  } else if (dispatch.answer && dispatch.answer.refusal_reason) {
    // Outside Directive (EU) 2023/977: the channel's own words, not an Art. 6(1) ground.
    parts.push(el("p", { class: "refusal" }, el("strong", {}, "Refused: "), dispatch.answer.refusal_reason));
  }
  if (dispatch.answer) {
    const render = ANSWERS[dispatch.channel];
    parts.push(render ? render(dispatch.answer) : el("pre", {}, JSON.stringify(dispatch.answer, null, 2)));
    if (dispatch.answer.simulated) parts.push(el("p", { class: "muted small" }, "Simulated answer (stub channel)"));
  }
  if (dispatch.error) parts.push(el("p", { class: "error-text" }, dispatch.error));
  return parts.length ? parts : el("span", { class: "muted" }, TERMINAL.has(dispatch.status) ? "—" : "Awaiting answer");
}

function outcomeCell(dispatch) {
  if (!dispatch.outcome) return el("span", { class: "muted" }, "—");
  const words = { hit: "Hit", no_hit: "No hit", refused: "Refused" };
  return el("span", { class: "outcome outcome-" + dispatch.outcome }, words[dispatch.outcome] || dispatch.outcome);
}

function dispatchRow(dispatch) {
  return el("tr", { dataset: { dispatchId: dispatch.id, status: dispatch.status, channel: dispatch.channel } },
    el("td", {}, el("strong", {}, dispatch.country), el("div", { class: "muted small" }, countryName(dispatch.country))),
    el("td", {}, el("span", { class: "channel channel-" + dispatch.channel }, channelLabel(dispatch.channel)),
      el("div", { class: "small" }, el("span", { class: "rule" }, dispatch.rule), " ", dispatch.explanation)),
    el("td", {}, statusBadge(dispatch.status), dispatch.attempts > 1 ? el("div", { class: "muted small" }, `${dispatch.attempts} attempts`) : null,
      dispatch.overdue ? el("div", { class: "small overdue-hint" }, "The partner's answer is overdue: send it a reminder.") : null,
      supervisorActions(dispatch), followUpAction(dispatch)),
    deadlineCell(el("td", { class: "deadline" }), dispatch.due_at, TERMINAL.has(dispatch.status)),
    el("td", {}, outcomeCell(dispatch)),
    el("td", { class: "answer-cell" }, answerCell(dispatch)));
}

// ---- officers: the follow-up of a Prüm hit ----------------------------------------------

/** One click stages the SIENA request for the data behind the hit (rule F1). */
function followUpAction(dispatch) {
  if (!DESK_ROLES.has(me.role) || dispatch.follow_up_allowed !== true) return null;
  const button = el("button", { type: "button", class: "button button-small button-primary", "aria-label": `Request the data behind the hit in ${dispatch.country}` },
    "Request the data behind the hit");
  const state = el("span", { class: "small", role: "status" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    const result = await api(`/v1/requests/${requestId}/dispatches/${dispatch.id}/follow-up`, { method: "POST", body: {} });
    if (result.ok) {
      render({ ...result.data, events: latest.events });
      reload();
      return;
    }
    button.disabled = false;
    state.textContent = problemText(result);
  });
  return el("div", { class: "row-action" }, button, state,
    el("p", { class: "muted small" }, "Through SIENA; core data owed within 48 hours (Regulation (EU) 2024/982 Art. 47(1))."));
}

// ---- supervisors: re-route one dispatch -------------------------------------------------

const REROUTABLE = new Set(["queued", "sent", "delivered", "failed"]);

function isLatestFor(dispatch) {
  const sameCountry = latest.dispatches.filter((d) => d.country === dispatch.country);
  return sameCountry[sameCountry.length - 1].id === dispatch.id;
}

/** Whether a supervisor may retry the dispatch: the server says so. */
function retryAllowed(dispatch) {
  return dispatch.retry_allowed === true;
}

/** Channels a re-route may choose: the eligible ones, as the server lists them. */
function rerouteChannels(dispatch) {
  return dispatch.reroute_channels || [];
}

function supervisorActions(dispatch) {
  if (me.role !== "supervisor") return null;
  const buttons = [];
  if (retryAllowed(dispatch)) {
    const retry = el("button", { type: "button", class: "button button-small button-primary", "aria-label": `Retry ${dispatch.country}` }, "Retry…");
    retry.addEventListener("click", () => openRetry(dispatch, retry));
    buttons.push(retry);
  }
  // No button where no other channel is eligible: the dialog would offer nothing.
  if (REROUTABLE.has(dispatch.status) && isLatestFor(dispatch) && rerouteChannels(dispatch).length) {
    const reroute = el("button", { type: "button", class: "button button-small", "aria-label": `Re-route ${dispatch.country}` }, "Re-route…");
    reroute.addEventListener("click", () => openReroute(dispatch, reroute));
    buttons.push(reroute);
  }
  return buttons.length ? el("div", { class: "row-action" }, buttons) : null;
}

function actionField(name, label, control) {
  return el("div", { class: "field", dataset: { field: name } }, el("label", { for: control.id }, label), control);
}

function showActionErrors(form, result, fallbackField) {
  const errors = (result.data && result.data.errors) || [{ field: fallbackField, message: problemText(result) }];
  for (const error of errors) {
    const box = form.querySelector(`[data-field="${error.field}"]`) || form.querySelector(`[data-field=${fallbackField}]`);
    box.querySelector("label").after(el("p", { class: "field-error" }, error.message));
    box.querySelector("select, textarea").setAttribute("aria-invalid", "true");
  }
}

/** A form in the dispatches card for one supervisor action; ``send`` posts it. */
function actionForm({ title, hint, fields, confirm, close, opener, send, fallbackField }) {
  const slot = document.getElementById("reroute-slot");
  const keep = el("button", { type: "button", class: "button button-quiet" }, close);
  const form = el("form", { class: "card reroute-form", novalidate: true, "aria-labelledby": "action-title" },
    el("h3", { id: "action-title" }, title),
    el("p", { class: "hint" }, hint),
    el("div", { class: "row" }, fields),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, confirm), keep));
  keep.addEventListener("click", () => { slot.replaceChildren(); opener.focus(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach((node) => node.remove());
    const result = await send();
    if (result.ok) {
      slot.replaceChildren();
      render({ ...result.data, events: latest.events });
      reload();
      return;
    }
    showActionErrors(form, result, fallbackField);
  });
  slot.replaceChildren(form);
  form.querySelector("select, textarea").focus();
}

function reasonControl(id) {
  return el("textarea", { id, name: "reason", rows: "2", maxlength: "1000", "aria-required": "true" });
}

function openReroute(dispatch, opener) {
  const choices = rerouteChannels(dispatch);
  const reason = reasonControl("reroute-reason");
  const channel = el("select", { id: "reroute-channel", name: "channel" },
    choices.map((value) => el("option", { value }, channelLabel(value))));
  const fields = [actionField("channel", "New channel", channel), actionField("reason", "Reason for re-routing", reason)];
  actionForm({
    title: `Re-route ${dispatch.country} — now ${channelLabel(dispatch.channel)}`,
    hint: "Only the channels eligible for this country are offered. The current dispatch is closed, a new one is sent; the reason goes on the timeline.",
    fields, confirm: "Confirm re-routing", close: "Keep the route", opener, fallbackField: "channel",
    send: () => api(`/v1/requests/${requestId}/dispatches/${dispatch.id}/reroute`, {
      method: "POST", body: { channel: channel.value, reason: reason.value.trim() },
    }),
  });
}

function openRetry(dispatch, opener) {
  const reason = reasonControl("retry-reason");
  actionForm({
    title: `Retry ${dispatch.country} on ${channelLabel(dispatch.channel)}`,
    hint: "The same channel is tried again with a new dispatch; the reason goes on the timeline.",
    fields: [actionField("reason", "Reason for the retry", reason)],
    confirm: "Confirm retry", close: "Do not retry", opener, fallbackField: "reason",
    send: () => api(`/v1/requests/${requestId}/dispatches/${dispatch.id}/retry`, {
      method: "POST", body: { reason: reason.value.trim() },
    }),
  });
}

// ---- facts, subject, timeline ----------------------------------------------------------

function facts(request) {
  const entries = [
    ["Request id", el("span", { class: "mono" }, request.id)],
    ["Received", formatFullTime(request.created_at)],
    ["Origin", request.origin === "pccc" ? "Border PCCC" : "Desk"],
    ["Your reference", request.reference],
    ["Urgency", request.urgency === "urgent" ? `Urgent — ${request.urgency_ground || ""}`.replace(/_/g, " ") : "Normal"],
    ["Expected access", `${request.access_type} (our expectation of the requested state)`],
    ["Crime area", request.crime_area.replace(/_/g, " ")],
    ["Handling code", `${request.handling_code} — ${HANDLING[request.handling_code] || ""}`],
    ["SIS alert", request.sis_alert_id],
    ["Border area", request.border_area ? "Yes" : null],
    ["Override", request.preferred_channel ? `${channelLabel(request.preferred_channel)} — ${request.override_reason}` : null],
    ["Purpose", request.purpose],
    ["Warnings", request.warnings.length ? el("ul", { class: "warnings" }, request.warnings.map(warningItem)) : null],
    ["Policy", request.policy_version],
  ];
  return pairs(entries).childNodes;
}

function subjectFacts(request) {
  const s = request.subject || {};
  const entries = Object.entries(s).map(([key, value]) => {
    let shown = value;
    if (key === "loci") shown = Object.entries(value).map(([locus, alleles]) => `${locus}: ${alleles.join(", ")}`).join(" · ");
    else if (Array.isArray(value)) shown = value.join(", ");
    else if (key === "document_type") shown = labels.document_types[value] || value;
    return [key.replace(/_/g, " "), shown];
  });
  return pairs(entries).childNodes;
}

function describeEvent(event) {
  const detail = event.detail || {};
  const bits = [];
  if (detail.from_channel) bits.push(`${detail.country}: ${channelLabel(detail.from_channel)} → ${channelLabel(detail.channel)}`);
  else if (detail.channel) bits.push(`${detail.country} via ${channelLabel(detail.channel)} (${detail.rule})`);
  if (detail.message_type) bits.push(messageTypeLabel(detail.message_type));
  if (detail.reason) bits.push("Reason: " + detail.reason);
  if (detail.outcome) bits.push("Outcome: " + detail.outcome.replace("_", " "));
  if (detail.refusal_ground) bits.push(`Refusal ground Art. 6(1)(${detail.refusal_ground})`);
  if (detail.error) bits.push(detail.error);
  if (detail.attempts && detail.attempts > 1) bits.push(`attempt ${detail.attempts}`);
  if (detail.warnings && detail.warnings.length) bits.push("Warnings: " + detail.warnings.join(", "));
  if (detail.override) bits.push(`Override to ${channelLabel(detail.override.preferred_channel)}: ${detail.override.reason}`);
  return bits.join(" · ");
}

function timelineRow(event, dispatches) {
  const dispatch = dispatches.get(event.dispatch_id);
  const what = event.type.replace(/_/g, " ") + (dispatch ? ` · ${dispatch.country}` : "");
  const change = event.to_status
    ? [event.from_status ? statusLabel(event.from_status) + " → " : "", statusLabel(event.to_status)].join("")
    : "";
  return el("tr", {},
    el("td", { class: "nowrap" }, preciseTimeTag(event.at)),
    el("td", {}, what),
    el("td", { class: "mono small" }, event.actor),
    el("td", {}, change),
    el("td", { class: "small" }, describeEvent(event)));
}

// ---- rendering and actions -------------------------------------------------------------

function render(request) {
  latest = request;
  document.title = `${kindLabel(request.kind)} ${request.reference || request.id.slice(0, 8)} · oss-router desk`;
  document.getElementById("request-title").textContent =
    `${kindLabel(request.kind)}: ${subjectSummary(request.kind, request.subject)}`;
  const status = document.getElementById("request-status");
  status.replaceChildren(statusBadge(request.status, needsAction(request)));
  status.dataset.status = request.status;
  const due = document.getElementById("request-due");
  due.replaceChildren(...(TERMINAL.has(request.status) ? ["Closed"] : ["Next answer due: ", deadlineCell(el("span"), request.due_at, false)]));
  document.getElementById("facts").replaceChildren(...facts(request));
  document.getElementById("subject").replaceChildren(...subjectFacts(request));
  if (request.known_to_us) known = request.known_to_us;
  document.getElementById("known-to-us").replaceChildren(...knownToUs(request.purged_at ? null : known));
  document.getElementById("dispatch-rows").replaceChildren(...request.dispatches.map(dispatchRow));
  const byId = new Map(request.dispatches.map((d) => [d.id, d]));
  document.getElementById("timeline-rows").replaceChildren(...(request.events || []).map((e) => timelineRow(e, byId)));
  show(document.getElementById("cancel-open"), !TERMINAL.has(request.status) && DESK_ROLES.has(me.role));
  renderConversations(request);
}

// ---- conversations: one thread per dispatch (issue 15) -----------------------------------

const threads = new Map();  // dispatch id → its section, kept across re-reads (a form keeps its text)

function threadTitle(dispatch) {
  return `${countryName(dispatch.country)} (${dispatch.country}) · ${channelLabel(dispatch.channel)}`;
}

/** The reminder: only while the API says so (overdue, unanswered); an optional text. */
function reminderForm(dispatch, onSent) {
  const text = el("textarea", { id: "reminder-text-" + dispatch.id, name: "text", rows: "2", maxlength: "10000" });
  const form = el("form", { class: "card action-form reminder-form", id: "reminder-" + dispatch.id, novalidate: true, hidden: true, "aria-label": `Remind ${dispatch.country}` },
    el("h3", {}, `Remind ${dispatch.country} that its answer is overdue`),
    el("div", { class: "field", dataset: { field: "text" } }, el("label", { for: text.id }, "Text (optional)"), text),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "button button-primary" }, "Send the reminder")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormProblem(form);
    const body = text.value.trim() ? { text: text.value.trim() } : {};
    const result = await api(`/v1/requests/${requestId}/dispatches/${dispatch.id}/reminder`, { method: "POST", body });
    if (result.ok) {
      form.reset();
      show(form, false);
      await onSent();
      return;
    }
    if (result.status === 409) reload();
    showFormProblem(form, result, result.status === 409 ? "Not possible now: " : "");
  });
  return form;
}

function threadSection(dispatch) {
  const list = el("div", { class: "thread-messages" });
  const actions = el("div", { class: "actions" });
  const slot = el("div", { class: "thread-form" });
  const section = el("section", { class: "thread", dataset: { dispatchId: dispatch.id }, "aria-label": "Conversation with " + threadTitle(dispatch) },
    el("h3", { class: "thread-title" }, threadTitle(dispatch), el("span", { class: "muted small thread-state" })), list, actions, slot);
  const remindButton = el("button", { type: "button", class: "button button-small", "aria-label": `Send a reminder to ${dispatch.country}` }, "Send a reminder…");
  const reminder = reminderForm(dispatch, () => reload());
  remindButton.addEventListener("click", () => {
    show(reminder, reminder.hidden);
    if (!reminder.hidden) reminder.querySelector("textarea").focus();
  });
  const writeButton = el("button", { type: "button", class: "button button-small button-primary", "aria-label": `Write to ${dispatch.country}` }, "Write to the partner…");
  actions.append(writeButton, remindButton);
  slot.append(reminder);
  const entry = { section, list, slot, reminder, remindButton, writeButton, form: null, key: null };
  writeButton.addEventListener("click", () => {
    if (!entry.form) return;
    show(entry.form, entry.form.hidden);
    if (!entry.form.hidden) entry.form.querySelector("textarea").focus();
  });
  return entry;
}

let lastMessages = [];  // an action's answer is not a detail read: it carries no thread

function renderConversations(request) {
  const box = document.getElementById("conversations");
  if (Array.isArray(request.messages)) lastMessages = request.messages;
  const messages = lastMessages;
  const sections = [];
  for (const dispatch of request.dispatches) {
    const own = messages.filter((message) => message.dispatch_id === dispatch.id);
    // A dispatch never answered, with nothing to send and nothing said: no thread to show.
    // Reminders have their own button; only the thread's message types go in the form.
    const questions = openQuestions(own);
    const types = DESK_ROLES.has(me.role) ? sendableTypes(dispatch.message_types_allowed, questions) : [];
    if (!own.length && !types.length && !dispatch.reminder_allowed && !dispatch.messages_count) continue;
    if (!threads.has(dispatch.id)) threads.set(dispatch.id, threadSection(dispatch));
    const entry = threads.get(dispatch.id);
    entry.list.replaceChildren(...threadNodes(own));
    const state = [];
    if (dispatch.follow_up_pending) state.push("a question of ours awaits the partner's answer");
    if (dispatch.reminders) state.push(`${dispatch.reminders} reminder${dispatch.reminders === 1 ? "" : "s"} sent`);
    entry.section.querySelector(".thread-state").textContent = state.length ? " · " + state.join(" · ") : "";
    const key = types.join(",") + "|" + questions.map((q) => q.id).join(",");
    const typing = entry.form && entry.form.elements.text.value.trim();
    if (key !== entry.key && !typing) {
      const wasOpen = entry.form && !entry.form.hidden;
      if (entry.form) entry.form.remove();
      entry.form = types.length ? messageForm({
        label: `Message to ${dispatch.country} through ${channelLabel(dispatch.channel)}`,
        types, questions,
        send: (body) => api(`/v1/requests/${requestId}/dispatches/${dispatch.id}/messages`, { method: "POST", body }),
        onSent: () => { show(entry.form, false); return reload(); },
      }) : null;
      if (entry.form) {
        entry.form.hidden = !wasOpen;
        entry.slot.prepend(entry.form);
      }
      entry.key = key;
    }
    show(entry.writeButton, Boolean(entry.form));
    const remind = DESK_ROLES.has(me.role) && dispatch.reminder_allowed === true;
    show(entry.remindButton, remind);
    if (!remind) show(entry.reminder, false);
    sections.push(entry.section);
  }
  box.replaceChildren(...(sections.length ? sections : [el("p", { class: "muted", id: "conversations-empty" }, "No conversation yet: a thread opens once a partner has answered.")]));
}

/**
 * Read the request. Opening the page is a consultation the audit log always records; the page
 * re-reading itself (after an action, a live notice or a reconnection) says so with
 * ``refresh``, and the server logs that at most once per person per window (decision 0019).
 */
async function load({ refresh = false } = {}) {
  const result = await api("/v1/requests/" + requestId + (refresh ? "?refresh=true" : ""));
  if (result.status === 404) {
    errorBox.textContent = "No such request, or it is not visible to you.";
    show(errorBox, true);
    document.querySelectorAll(".detail-grid, .card").forEach((node) => { node.hidden = true; });
    return;
  }
  if (!result.ok) {
    errorBox.textContent = "The request could not be read: " + problemText(result);
    show(errorBox, true);
    return;
  }
  show(errorBox, false);
  render(result.data);
  if (!refresh) fillCaseCard(result.data);
}

/** "Add to a case": once per page (a refresh keeps the officer's choice in the form). */
function fillCaseCard(request) {
  // ``case``: the case it is filed in, where the detail read names it.
  caseCard(document.getElementById("case-card-body"), {
    kind: "request", id: request.id, filedIn: request.case || null, canWrite: REQUEST_ROLES.includes(me.role),
  });
}

function initCancel() {
  const form = document.getElementById("cancel-form");
  const open = document.getElementById("cancel-open");
  open.addEventListener("click", () => {
    show(form, true);
    form.elements.reason.focus();
  });
  document.getElementById("cancel-close").addEventListener("click", () => {
    show(form, false);
    open.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach((node) => node.remove());
    const result = await api(`/v1/requests/${requestId}/cancel`, {
      method: "POST", body: { reason: form.elements.reason.value.trim() },
    });
    if (result.ok) {
      show(form, false);
      render({ ...latest, ...result.data, events: latest.events });
      reload();
      return;
    }
    const message = ((result.data && result.data.errors) || []).map((e) => e.message).join("; ") || problemText(result);
    const box = form.querySelector("[data-field=reason]");
    box.querySelector("label").after(el("p", { class: "field-error", id: "error-reason" }, message));
    form.elements.reason.setAttribute("aria-invalid", "true");
    form.elements.reason.setAttribute("aria-describedby", "error-reason");
    form.elements.reason.focus();
  });
}

function reload() {
  return load({ refresh: true });
}

initCancel();
load();
tickDeadlines();
const liveLoad = throttle(reload, 300);
followLive({
  // Every notice of this request, a status change or a message on one of its threads
  // (event "message"), re-reads it: the threads come with the detail read.
  onNotice: (notice) => { if (notice.request_id === requestId) liveLoad(); },
  onReady: liveLoad,
});
