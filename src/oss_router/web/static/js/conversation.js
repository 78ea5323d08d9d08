// Conversations (issue 15): a thread of MessageRead items, the form that continues it
// (follow-up, additional information, clarification, acknowledgement, answer), attachments
// uploaded before the message (POST /v1/attachments) and downloaded with the bearer token.
// Shared by the request page (one thread per dispatch), the received-request page and the case.
import { api, channelLabel, countryName, el, preciseTimeTag, session, show } from "./common.js";
import { clearFormProblem, showFormProblem } from "./form-errors.js";

export const MESSAGE_TYPE_LABELS = {
  follow_up: "Follow-up question",
  additional_information: "Additional information",
  clarification: "Clarification",
  acknowledgement: "Acknowledgement",
  answer: "Answer",
  reminder: "Reminder",
  spontaneous: "Spontaneous information",
};
export const REPLY_TYPES = ["follow_up", "additional_information", "clarification", "acknowledgement", "answer"];
const QUESTIONS = new Set(["follow_up", "clarification"]);  // messages/codes.py QUESTION_MESSAGE_TYPES
const MESSAGE_STATUS = {
  queued: ["○", "Queued"], sent: ["↗", "Sent"], delivered: ["◐", "Delivered"],
  failed: ["✕", "Failed"], received: ["↙", "Received"],
};
export const MAX_ATTACHMENTS = 10;  // MessageCreate.attachment_ids: at most 10

export const messageTypeLabel = (type) => MESSAGE_TYPE_LABELS[type] || String(type).replace(/_/g, " ");

function statusBadge(status) {
  const [icon, words] = MESSAGE_STATUS[status] || ["•", status];
  return el("span", { class: "badge status-" + status, dataset: { status } }, el("span", { class: "badge-icon", "aria-hidden": "true" }, icon), words);
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A download link: the bytes need the bearer token, so the click fetches them (audited). */
export function attachmentLink(attachment) {
  const name = attachment.filename || "attachment";
  const link = el("a", { href: attachment.href, class: "attachment-link", dataset: { attachmentId: attachment.id }, download: name }, name);
  const state = el("span", { class: "small", role: "status" });
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    state.textContent = "";
    const current = session();
    const headers = current && current.token ? { Authorization: "Bearer " + current.token } : {};
    try {
      const response = await fetch(attachment.href, { headers });
      if (!response.ok) {
        state.textContent = response.status === 404 ? " Not available (erased, or not yours to see)." : ` Download failed (${response.status}).`;
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const save = el("a", { href: url, download: name });
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch {
      state.textContent = " The gateway cannot be reached.";
    }
  });
  return el("li", {}, el("span", { class: "muted small" }, "Attachment: "), link,
    el("span", { class: "muted small" }, ` ${attachment.content_type} · ${sizeText(attachment.size)}`), state);
}

/** One message as a block: who, what, when, its delivery, text and attachments.
 * ``answered``: the ids of questions a later message of the thread answers. */
export function messageNode(message, answered = new Set()) {
  const incoming = message.direction === "incoming";
  const who = incoming ? `From ${message.country || "the partner"}` : `To ${message.country || "the partner"}`;
  const times = [];
  times.push(preciseTimeTag(incoming ? message.received_at || message.created_at : message.created_at));
  if (!incoming && message.delivered_at) times.push(el("span", { class: "muted small" }, " · delivered ", preciseTimeTag(message.delivered_at)));
  const notes = [];
  if (message.answers_id) notes.push(el("span", { class: "muted small" }, "answers an earlier question"));
  if (QUESTIONS.has(message.type) && message.answered_at) notes.push(el("span", { class: "small" }, "✓ answered ", preciseTimeTag(message.answered_at)));
  else if (QUESTIONS.has(message.type) && answered.has(message.id)) notes.push(el("span", { class: "small" }, "✓ answered"));
  else if (QUESTIONS.has(message.type)) notes.push(el("span", { class: "small warning" }, incoming ? "awaiting our answer" : "awaiting the partner's answer"));
  if (message.attempts > 1) notes.push(el("span", { class: "muted small" }, `${message.attempts} attempts`));
  if (message.legal_basis) notes.push(el("span", { class: "small" }, "Legal basis: " + message.legal_basis));
  if (message.handling_code) notes.push(el("span", { class: "small" }, "Handling " + message.handling_code));
  if (message.route) notes.push(el("span", { class: "small" }, `Routed ${channelLabel(message.route.channel)} (${message.route.rule}) ${message.route.explanation || ""}`));
  const attachments = message.attachments || [];
  return el("article", {
    class: "message message-" + message.direction,
    dataset: { messageId: message.id, type: message.type, direction: message.direction, status: message.status },
  },
  el("div", { class: "message-head" },
    el("strong", {}, messageTypeLabel(message.type)), el("span", {}, who),
    message.channel ? el("span", { class: "channel channel-" + message.channel }, channelLabel(message.channel)) : null,
    statusBadge(message.status), times,
    el("span", { class: "mono small muted" }, incoming ? "" : message.created_by || "")),
  notes.length ? el("div", { class: "message-head" }, notes) : null,
  message.text === null || message.text === undefined
    ? el("p", { class: "muted message-text" }, "Content purged")
    : el("p", { class: "message-text" }, message.text),
  message.error ? el("p", { class: "error-text small" }, message.error) : null,
  attachments.length ? el("ul", { class: "attachments" }, attachments.map(attachmentLink)) : null);
}

/** A thread, oldest first (the detail reads give them in that order). */
export function threadNodes(messages, empty = "No message yet in this conversation.") {
  if (!messages.length) return [el("p", { class: "muted thread-empty" }, empty)];
  const answered = new Set(messages.map((m) => m.answers_id).filter(Boolean));
  return messages.map((message) => messageNode(message, answered));
}

/** Partners' threads of a case: one per country and channel, each oldest first. */
export function byPartner(messages) {
  const groups = new Map();
  for (const message of messages) {
    const key = `${message.country || "?"}|${message.channel || "?"}`;
    if (!groups.has(key)) groups.set(key, { country: message.country, channel: message.channel, messages: [] });
    groups.get(key).messages.push(message);
  }
  for (const group of groups.values()) group.messages.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  return [...groups.values()].sort((a, b) => `${a.country}${a.channel}`.localeCompare(`${b.country}${b.channel}`));
}

export function partnerTitle(group) {
  return `${group.country ? `${countryName(group.country)} (${group.country})` : "Unknown partner"}${group.channel ? " · " + channelLabel(group.channel) : ""}`;
}

// ---- attachments: uploaded first, then named by the message ------------------------------

/** Uploads each file (form field ``file``); resolves to {ids} or {result} of the first refusal. */
export async function uploadAll(files) {
  const ids = [];
  for (const file of files) {
    const body = new FormData();
    body.append("file", file, file.name);
    const current = session();
    const headers = { Accept: "application/json" };
    if (current && current.token) headers.Authorization = "Bearer " + current.token;
    const response = await fetch("/v1/attachments", { method: "POST", headers, body });
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json() : null;
    if (!response.ok) {
      // The upload's errors name ``file``: shown at the attachments field, with the file's name.
      const problem = data || {};
      const errors = (problem.errors || [{ field: "file", message: problem.detail || problem.title || `Refused (${response.status})` }])
        .map((error) => ({ field: "attachment_ids", message: `${file.name}: ${error.message}` }));
      return { result: { ok: false, status: response.status, data: { ...problem, errors } } };
    }
    ids.push(data.id);
  }
  return { ids };
}

let formCount = 0;

function field(name, label, control, hint) {
  const hintNode = hint ? el("p", { class: "hint", id: control.id + "-hint" }, hint) : null;
  if (hint) control.setAttribute("aria-describedby", control.id + "-hint");
  return el("div", { class: "field", dataset: { field: name } }, el("label", { for: control.id }, label), control, hintNode);
}

export function attachmentsField(prefix) {
  const input = el("input", { id: prefix + "-files", name: "files", type: "file", multiple: true, accept: ".jpg,.jpeg,.png,.tif,.tiff,.pdf,.nist,.an2,.eft,image/jpeg,image/png,image/tiff,application/pdf" });
  return field("attachment_ids", "Attachments", input,
    `Photos, scanned documents (PDF), NIST fingerprint files; at most ${MAX_ATTACHMENTS}. Their type is checked on the bytes.`);
}

/**
 * A form continuing a thread. ``types``: the message types the officer may send now;
 * ``questions``: the partner's questions an answer may answer; ``send(body)`` posts it and
 * resolves to an ``api()`` answer; ``onSent`` runs after a 202.
 */
export function messageForm({ label, types, questions = [], send, onSent }) {
  const prefix = "msg" + (++formCount);
  const type = el("select", { id: prefix + "-type", name: "type" },
    types.map((value) => el("option", { value }, messageTypeLabel(value))));
  const answers = el("select", { id: prefix + "-answers", name: "answers_id" },
    el("option", { value: "" }, "—"),
    questions.map((message) => el("option", { value: message.id }, `${messageTypeLabel(message.type)} of ${formatShort(message)}: ${String(message.text || "").slice(0, 60)}`)));
  const answersBox = field("answers_id", "Answers the question", answers);
  const text = el("textarea", { id: prefix + "-text", name: "text", rows: "3", maxlength: "10000", "aria-required": "true" });
  const submit = el("button", { type: "submit", class: "button button-primary" }, "Send");
  const form = el("form", { class: "card message-form", id: prefix, novalidate: true, "aria-label": label },
    el("h3", { class: "thread-title" }, label),
    el("div", { class: "row" }, field("type", "Message", type), answersBox),
    field("text", "Text", text, "Up to 10,000 characters. It goes to the partner through the channel of this exchange."),
    attachmentsField(prefix),
    el("div", { class: "actions" }, submit));
  const syncAnswers = () => show(answersBox, type.value === "answer" && questions.length > 0);
  type.addEventListener("change", syncAnswers);
  syncAnswers();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormProblem(form);
    submit.disabled = true;
    try {
      const files = [...form.elements.files.files];
      if (files.length > MAX_ATTACHMENTS) {
        showFormProblem(form, { status: 422, data: { errors: [{ field: "attachment_ids", message: `At most ${MAX_ATTACHMENTS} files on one message.` }] } });
        return;
      }
      const uploaded = await uploadAll(files);
      if (uploaded.result) {
        showFormProblem(form, uploaded.result);
        return;
      }
      const body = { type: type.value, text: text.value.trim(), attachment_ids: uploaded.ids };
      if (type.value === "answer" && answers.value) body.answers_id = answers.value;
      const result = await send(body);
      if (result.ok) {
        form.reset();
        syncAnswers();
        await onSent(result);
        return;
      }
      showFormProblem(form, result, result.status === 409 ? "Not possible now: " : "");
    } catch {
      showFormProblem(form, { status: 0, data: { detail: "The gateway cannot be reached; nothing was sent. Try again." } });
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function formatShort(message) {
  return message.received_at || message.created_at ? new Date(message.received_at || message.created_at).toLocaleString("en-GB", { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit" }) : "";
}

/** What the form offers: the API's list (``message_types_allowed``) of thread types, without
 * ``answer`` while no question of the partner's is open (the API would refuse an answer that
 * names none: ``422`` at ``answers_id``). */
export function sendableTypes(allowed, questions) {
  return (allowed || []).filter((type) => REPLY_TYPES.includes(type) && (type !== "answer" || questions.length > 0));
}

/** The partner's questions in a thread that no answer of ours has answered yet. */
export function openQuestions(messages) {
  const answered = new Set(messages.map((m) => m.answers_id).filter(Boolean));
  return messages.filter((m) => m.direction === "incoming" && QUESTIONS.has(m.type) && !m.answered_at && !answered.has(m.id));
}

/** Reads GET /v1/messages along its cursor (at most ``max`` items). */
export async function listMessages(params, max = 500) {
  const items = [];
  let cursor = null;
  for (;;) {
    const page = new URLSearchParams(params);
    page.set("limit", "50");
    if (cursor) page.set("cursor", cursor);
    const result = await api("/v1/messages?" + page.toString());
    if (!result.ok) return { result, items };
    items.push(...result.data.items);
    cursor = result.data.next_cursor;
    if (!cursor || items.length >= max) return { items };
  }
}
