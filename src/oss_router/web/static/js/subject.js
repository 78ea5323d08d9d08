// The kind and subject fields of a form (new request, manual registration) as an API body.

/** ISO codes typed with commas, spaces or semicolons between them. */
export const codes = (text) => text.split(/[\s,;]+/).map((c) => c.trim().toUpperCase()).filter(Boolean);

function loci(text) {
  const result = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [name, alleles = ""] = line.split(":");
    result[name.trim()] = alleles.split(/[\s,;]+/).map((a) => a.trim()).filter(Boolean);
  }
  return result;
}

// Finger positions are numbers; anything else is sent as typed, for the API to name it.
const positions = (text) =>
  text.split(/[\s,;]+/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));

const SUBJECT_PARSERS = {
  nationalities: codes,
  finger_positions: positions,
  aliases: (text) => text.split(";").map((a) => a.trim()).filter(Boolean),
  loci,
};

export function kindOf(form) {
  return form.elements.kind.value;
}

/** Only the chosen kind's fields are shown; hidden ones are neither focusable nor sent. */
export function showKind(form) {
  for (const fieldset of form.querySelectorAll("fieldset.subject")) {
    const active = fieldset.dataset.kind === kindOf(form);
    fieldset.hidden = !active;
    fieldset.disabled = !active;
  }
}

export function subjectOf(form) {
  const result = {};
  const fieldset = form.querySelector(`fieldset.subject[data-kind="${kindOf(form)}"]`);
  for (const control of fieldset.querySelectorAll("[name^='subject.']")) {
    const name = control.name.slice("subject.".length);
    const raw = control.value.trim();
    if (!raw) continue;
    const value = SUBJECT_PARSERS[name] ? SUBJECT_PARSERS[name](control.value) : raw;
    if (Array.isArray(value) && value.length === 0) continue;
    result[name] = value;
  }
  return result;
}
