// "Add to a case" on a request page (sent or received): file it in an open case (one the
// related-requests match suggests, or any open case the caller may see), or open a new case
// from it. The API decides (a request filed in a case already: 409, said in the form).
import { api, el, show } from "./common.js";
import { clearFormProblem, showFormProblem } from "./form-errors.js";

/**
 * Fills ``container`` for the request ``{kind: "request"|"inbound", id}``; ``suggested`` are
 * the cases the related-requests match found (InboundRead.suggested_cases), ``filedIn`` the
 * case the request is filed in when the detail read names it (``case``: id, reference, title,
 * status).
 */
export async function caseCard(container, { kind, id, suggested = [], filedIn = null, canWrite = true }) {
  const field = kind === "inbound" ? "inbound_id" : "request_id";
  const status = el("p", { class: "case-filed", role: "status", id: "case-filed", tabindex: "-1" });
  const nodes = [status];
  if (filedIn) {
    // A request is in one case at most: the detail read names it (``case``), nothing to offer.
    status.append("Filed in ", el("a", { href: "/cases/" + filedIn.id, id: "case-filed-link" },
      `case ${filedIn.reference}${filedIn.title ? " — " + filedIn.title : ""}`),
    filedIn.status === "closed" ? " (closed)." : ".");
    container.replaceChildren(...nodes);
    return;
  }
  if (!canWrite) {
    container.replaceChildren(...nodes);
    return;
  }
  const file = async (form, chosen) => {
    clearFormProblem(form);
    const result = await api(`/v1/cases/${chosen}/links`, { method: "POST", body: { [field]: id } });
    if (!result.ok) {
      showFormProblem(form, result, result.status === 409 ? "Not possible now: " : "");
      return;
    }
    status.replaceChildren("Filed in ", el("a", { href: "/cases/" + result.data.id, id: "case-filed-link" },
      `case ${result.data.reference}${result.data.title ? " — " + result.data.title : ""}`), ".");
    status.focus();
  };

  const openSuggested = suggested.filter((item) => item.status === "open");
  if (openSuggested.length) {
    const form = el("form", { class: "case-suggested", id: "case-suggested-form", novalidate: true, "aria-labelledby": "case-suggested-title" },
      el("h3", { id: "case-suggested-title" }, "Suggested: a related request is filed in"),
      el("ul", { class: "links-list" }, openSuggested.map((item) => {
        const button = el("button", { type: "button", class: "button button-small", dataset: { caseId: item.id }, "aria-label": `File it in case ${item.reference}` }, "File it here");
        button.addEventListener("click", () => file(form, item.id));
        return el("li", { dataset: { suggestedCase: item.id } },
          el("a", { href: "/cases/" + item.id, class: "mono" }, item.reference), item.title ? ` ${item.title}` : "", button);
      })));
    nodes.push(form);
  }

  const select = el("select", { id: "case-choice", name: "case_id" }, el("option", { value: "" }, "Loading the open cases…"));
  const submit = el("button", { type: "submit", class: "button" }, "File it in this case");
  const pick = el("form", { class: "case-pick", id: "case-pick-form", novalidate: true, "aria-labelledby": "case-pick-title" },
    el("h3", { id: "case-pick-title" }, "Add to an open case"),
    el("div", { class: "row" },
      el("div", { class: "field field-wide", dataset: { field: "case_id" } }, el("label", { for: "case-choice" }, "Case"), select),
      el("div", { class: "actions" }, submit)));
  pick.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!select.value) {
      showFormProblem(pick, { status: 422, data: { errors: [{ field: "case_id", message: "Choose a case." }] } });
      return;
    }
    submit.disabled = true;
    try { await file(pick, select.value); } finally { submit.disabled = false; }
  });
  nodes.push(pick);
  nodes.push(el("p", {}, el("a", { href: `/cases/new?${field}=${id}`, id: "case-new-from", class: "button button-quiet" }, "Open a new case from this request")));
  container.replaceChildren(...nodes);

  const result = await api("/v1/cases?status=open&limit=200");
  if (!result.ok) {
    select.replaceChildren(el("option", { value: "" }, "The cases could not be read"));
    return;
  }
  const items = result.data.items;
  select.replaceChildren(el("option", { value: "" }, items.length ? "Choose an open case" : "No open case yet"),
    ...items.map((item) => el("option", { value: item.id }, `${item.reference}${item.title ? " — " + item.title : ""}`)));
  show(pick, true);
}
