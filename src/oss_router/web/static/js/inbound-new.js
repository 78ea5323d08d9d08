// Manual registration of a request received outside the channel systems (POST /v1/inbound):
// the same subject fields as a new request, server errors at their fields.
import { api, initChrome, problemText, requireSession } from "./common.js";
import { showErrors } from "./form-errors.js";
import { INBOUND_ROLES } from "./inbound-common.js";
import { kindOf, showKind, subjectOf } from "./subject.js";

requireSession();
const me = await initChrome(INBOUND_ROLES);
const form = document.getElementById("register-inbound");

const text = (name) => form.elements[name].value.trim();

/** A datetime-local value (the browser's time zone) as an instant; kept as typed if unreadable. */
function instant(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function body() {
  const urgent = form.elements.urgency.value === "urgent";
  const result = {
    channel: text("channel"),
    partner_reference: text("partner_reference"),
    requesting_country: text("requesting_country").toUpperCase(),
    requesting_authority: text("requesting_authority"),
    kind: kindOf(form),
    subject: subjectOf(form),
    urgency: form.elements.urgency.value,
    language: text("language"),
    handling_code: text("handling_code"),
  };
  const received = instant(form.elements.received_at.value);
  if (received) result.received_at = received;
  if (text("purpose")) result.purpose = text("purpose");
  if (urgent && text("urgency_ground")) result.urgency_ground = text("urgency_ground");
  if (text("access_type")) result.access_type = text("access_type");
  if (me.role !== "pccc" && text("unit")) result.unit = text("unit");  // a PCCC's is its own
  return result;
}

function syncUrgency() {
  form.elements.urgency_ground.disabled = form.elements.urgency.value !== "urgent";
}

form.addEventListener("change", (event) => {
  if (event.target.name === "kind") showKind(form);
  if (event.target.name === "urgency") syncUrgency();
});
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("submit");
  const state = document.getElementById("submit-state");
  button.disabled = true;
  state.textContent = "Registering…";
  try {
    const result = await api("/v1/inbound", { method: "POST", body: body() });
    if (result.ok) {
      state.textContent = result.status === 201 ? "Registered." : "Already registered: opening it.";
      window.location.assign("/inbound/" + result.data.id);
      return;
    }
    state.textContent = "";
    showErrors(form, result.data || { detail: problemText(result) });
  } catch {
    state.textContent = "The gateway cannot be reached; nothing was registered. Try again.";
  } finally {
    button.disabled = false;
  }
});

document.getElementById("unit-row").hidden = me.role === "pccc";
showKind(form);
syncUrgency();
