// Shared by the pages of requests received from partners: statuses, replies, the clock.
import { deadlineCell, el, labels } from "./common.js";

/** Who works incoming requests (auditors see none; the API decides the rest). */
export const INBOUND_ROLES = ["officer", "supervisor", "pccc"];
export const INBOUND_CLOSED = new Set(["answered", "refused"]);
export const PAUSED = "awaiting_clarification";

const INBOUND_ICONS = {
  received: "○", assigned: "◐", awaiting_clarification: "⏸", answered: "✓", refused: "⊘",
};
const REPLY_ICONS = { queued: "○", sent: "↗", delivered: "✓", failed: "✕" };

export function inboundStatusLabel(status) {
  return labels.inbound_statuses[status] || status;
}

/** An incoming request's status as icon + words (never colour alone). */
export function inboundBadge(status) {
  return el("span", { class: "badge inbound-" + status, dataset: { status } },
    el("span", { class: "badge-icon", "aria-hidden": "true" }, INBOUND_ICONS[status] || "•"),
    inboundStatusLabel(status));
}

/** A reply's delivery to the partner, tracked like a dispatch's. */
export function replyBadge(status) {
  return el("span", { class: "badge status-" + status, dataset: { status } },
    el("span", { class: "badge-icon", "aria-hidden": "true" }, REPLY_ICONS[status] || "•"),
    labels.reply_statuses[status] || status);
}

export function replyTypeLabel(type) {
  return labels.reply_types[type] || String(type).replace(/_/g, " ");
}

/** Time left to the due time, counting down; the clock stands still while a clarification is awaited. */
export function clockCell(node, request) {
  if (request.status === PAUSED) {
    delete node.dataset.due;
    node.classList.add("paused");
    node.replaceChildren(el("span", { class: "badge badge-paused" },
      el("span", { "aria-hidden": "true" }, "⏸ "), "Clock paused"));
    node.title = "Awaiting the partner's clarification: the time limit is suspended";
    return node;
  }
  return deadlineCell(node, request.due_at, INBOUND_CLOSED.has(request.status));
}

/** Whether the request is past its due time and still open (the server's flag, else the clock). */
export function isOverdue(request) {
  if (INBOUND_CLOSED.has(request.status) || request.status === PAUSED) return false;
  if (typeof request.overdue === "boolean") return request.overdue;
  return Boolean(request.due_at) && new Date(request.due_at).getTime() < Date.now();
}

/** The people a principal is known as on assignments (its actor or its user name). */
export function isMine(request, me) {
  return Boolean(request.assigned_to) && [me.actor, me.subject].includes(request.assigned_to);
}

/** "officer:desk.nowak" → "desk.nowak" (the role prefix of an actor is noise in a cell). */
export function personName(actor) {
  const text = String(actor || "");
  const colon = text.indexOf(":");
  return colon > 0 && colon < 20 ? text.slice(colon + 1) : text;
}
