// Shared by the case pages: a case's status as icon and words (never colour alone).
import { el } from "./common.js";

export function caseStatusBadge(item) {
  return item.status === "open"
    ? el("span", { class: "badge status-delivered", dataset: { status: "open" } }, el("span", { class: "badge-icon", "aria-hidden": "true" }, "◐"), "Open")
    : el("span", { class: "badge status-cancelled", dataset: { status: "closed" } }, el("span", { class: "badge-icon", "aria-hidden": "true" }, "⊘"), "Closed");
}
