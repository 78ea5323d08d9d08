// Server errors (problem+json ``errors``) at the fields they concern, with a summary at the top
// (#form-errors) linking to them in the order of the form. Shared by the request forms.
import { el, problemText, show } from "./common.js";
import { kindOf } from "./subject.js";

/** The form element that holds field ``name`` (``subject.loci.D3S1358[0]`` → loci). */
export function fieldBox(form, name) {
  let path = name.replace(/\[\d+\]/g, "");
  for (;;) {
    const box = form.querySelector(`[data-field="${CSS.escape(path)}"]:not([disabled] *)`);
    if (box && !box.closest("[hidden]")) return box;
    if (path === "subject") return form.querySelector(`fieldset.subject[data-kind="${kindOf(form)}"]`);
    if (!path.includes(".")) return null;
    path = path.slice(0, path.lastIndexOf("."));
  }
}

/** The visible label of a field box, without the required-field mark. */
export function fieldLabel(box) {
  const label = box && box.querySelector(":scope > label, :scope > .label, :scope > legend");
  if (!label) return box && box.matches("fieldset.subject") ? "Subject" : null;
  return label.textContent.replace("*", "").trim();
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((node) => {
    node.removeAttribute("aria-invalid");
    const ids = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.startsWith("error-"));
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  });
  form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
  show(document.getElementById("form-errors"), false);
}

/** The server's errors in the order their fields come in the form (top to bottom). */
export function inFormOrder(form, errors) {
  const placed = errors.map((error, index) => ({ error, index, box: fieldBox(form, error.field) }));
  return placed.sort((a, b) => {
    if (a.box && b.box && a.box !== b.box) {
      return a.box.compareDocumentPosition(b.box) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    }
    if (Boolean(a.box) !== Boolean(b.box)) return a.box ? -1 : 1;
    return a.index - b.index;
  });
}

export function showErrors(form, problem) {
  clearErrors(form);
  const list = document.getElementById("form-errors-list");
  list.replaceChildren();
  document.getElementById("form-errors-detail").textContent = problem.detail || problem.title || "";
  inFormOrder(form, problem.errors || []).forEach(({ error, box }, index) => {
    const id = "error-" + index;
    const control = box ? box.querySelector("input:not([type=hidden]), select, textarea") : null;
    if (box) {
      box.classList.add("has-error");
      const message = el("p", { class: "field-error", id, dataset: { errorFor: error.field } },
        el("span", { class: "visually-hidden" }, "Error: "), error.message);
      const anchor = box.querySelector(":scope > label, :scope > .label, :scope > legend");
      if (anchor) anchor.after(message); else box.prepend(message);
      if (control) {
        control.setAttribute("aria-invalid", "true");
        const described = control.getAttribute("aria-describedby");
        control.setAttribute("aria-describedby", described ? `${id} ${described}` : id);
      }
    }
    const target = control && control.id ? "#" + control.id : null;
    const label = `${fieldLabel(box) || error.field}: ${error.message}`;
    list.append(el("li", {}, target ? el("a", { href: target }, label) : label));
  });
  const summary = document.getElementById("form-errors");
  show(summary, true);
  summary.focus();
}


// ---- one form among several on a page (cases, conversations) ----------------------------
// The same placement as above, kept inside the form: each error at the field it names, and a
// problem no field names (a 409, a 403) at the top of the form.

export function clearFormProblem(form) {
  form.querySelectorAll(".field-error, .form-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((node) => {
    node.removeAttribute("aria-invalid");
    const ids = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.startsWith("error-"));
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  });
  form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
}

/** ``result`` is an ``api()`` answer ({status, data}); ``prefix`` goes before a top message. */
export function showFormProblem(form, result, prefix = "") {
  clearFormProblem(form);
  const problem = result.data || {};
  let first = null;
  const elsewhere = [];  // errors naming no field of this form (a 409 naming dispatch_id, …)
  (problem.errors || []).forEach((error, index) => {
    const path = String(error.field || "");
    const box = form.querySelector(`[data-field="${CSS.escape(path)}"]`)
      || form.querySelector(`[data-field="${CSS.escape(path.split(".")[0].replace(/\[\d+\]$/, ""))}"]`);
    if (!box) {
      if (error.message) elsewhere.push(String(error.message));
      return;
    }
    const id = `error-${form.id || "form"}-${index}`;
    box.classList.add("has-error");
    const message = el("p", { class: "field-error", id, dataset: { errorFor: error.field } },
      el("span", { class: "visually-hidden" }, "Error: "), error.message);
    const anchor = box.querySelector(":scope > label, :scope > .label, :scope > legend");
    if (anchor) anchor.after(message); else box.prepend(message);
    const control = box.querySelector("input:not([type=hidden]), select, textarea");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      const described = control.getAttribute("aria-describedby");
      control.setAttribute("aria-describedby", described ? `${id} ${described}` : id);
      first = first || control;
    }
  });
  const placed = form.querySelectorAll(".field-error").length > 0;
  if (placed && !elsewhere.length) {
    if (first) first.focus();
    return;
  }
  // The problem's reason in words, then what its errors say that no field of the form shows.
  const summary = problemText(result);
  const reasons = elsewhere.filter((message) => message !== summary);
  const text = prefix + summary + (reasons.length ? ` (${reasons.join("; ")})` : "");
  const box = el("p", { class: "form-error alert alert-error", role: "alert", tabindex: "-1" }, text);
  const heading = form.querySelector("h2, h3, legend");
  if (heading) heading.after(box); else form.prepend(box);
  box.focus();
}
