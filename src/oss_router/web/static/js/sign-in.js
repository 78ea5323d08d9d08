// Sign in: the development issuer (choose a role) or the identity provider (OIDC + PKCE).
import {
  api, drafts, landingFor, lastUser, problemText, rememberUser, saveSession, whoAmI,
} from "./common.js";

const PKCE_KEY = "oss-router.pkce";

function nextPath() {
  const next = new URLSearchParams(window.location.search).get("next") || "/";
  // Only a path of this site: never an absolute or protocol-relative address.
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function fail(message) {
  const box = document.getElementById("signin-error");
  box.textContent = message;
  box.hidden = false;
}

/** Why the officer is here again: said in words, with what was kept. */
function explainReturn() {
  if (new URLSearchParams(window.location.search).get("reason") !== "expired") return;
  const kept = drafts.load() ? " Your unsent request is kept and comes back after you sign in." : "";
  const box = document.getElementById("signin-notice");
  box.textContent = "Your session has expired, so you were signed out." + kept;
  box.hidden = false;
}

/** Stores the token, asks the server who it belongs to, and goes to that role's page. */
async function startSession(token, expiresIn, typed = null) {
  saveSession({ token, expiresAt: Date.now() + expiresIn * 1000 });
  let principal;
  try {
    principal = await whoAmI();
  } catch {
    return fail("Signed in, but the gateway did not say who you are; try again.");
  }
  rememberUser(typed || { subject: principal.subject, role: principal.role });
  const next = nextPath();
  const landing = landingFor(principal.role);
  // An auditor's place is the audit log; the queue and the request pages are not theirs.
  const auditor = principal.role === "auditor";
  const ownPage = auditor ? next.startsWith("/audit") : !next.startsWith("/audit");
  window.location.assign(next !== "/" && ownPage ? next : landing);
}

// ---- development issuer ----------------------------------------------------------------

function initDevForm(form) {
  const role = form.elements.role;
  const unitField = document.getElementById("unit-field");
  const syncUnit = () => {
    unitField.hidden = role.value !== "pccc";
  };
  const last = lastUser();
  if (last && last.subject) {
    if ([...role.options].some((option) => option.value === last.role)) role.value = last.role;
    form.elements.subject.value = last.subject;
    if (last.unit) form.elements.unit.value = last.unit;
  }
  role.addEventListener("change", syncUnit);
  syncUnit();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { role: role.value, subject: form.elements.subject.value.trim() };
    if (role.value === "pccc") body.unit = form.elements.unit.value.trim();
    let result;
    try {
      result = await api("/v1/auth/dev-token", { method: "POST", body });
    } catch {
      return fail("The gateway cannot be reached.");
    }
    if (!result.ok) return fail("Sign-in refused: " + problemText(result));
    await startSession(result.data.access_token, result.data.expires_in, {
      role: body.role, subject: body.subject, unit: body.unit || null,
    });
  });
}

// ---- identity provider: authorization code flow with PKCE --------------------------------

function randomText(bytes) {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function startOidc(config) {
  const verifier = randomText(48);
  const state = randomText(16);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, search: window.location.search }));
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: window.location.origin + "/sign-in",
    scope: config.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.toString());
}

async function finishOidc(config, params) {
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  if (!saved || saved.state !== params.get("state")) return fail("Sign-in expired or was tampered with; try again.");
  const response = await fetch(config.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: window.location.origin + "/sign-in",
      client_id: config.clientId,
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) return fail("The identity provider refused the sign-in.");
  const token = await response.json();
  // Back to the address the sign-in started from (its ``next``), then ask the server who this is.
  history.replaceState(null, "", "/sign-in" + (saved.search || ""));
  await startSession(token.access_token, token.expires_in || 3600);
}

function initOidc(box) {
  const config = {
    authorizeUrl: box.dataset.authorizeUrl,
    tokenUrl: box.dataset.tokenUrl,
    clientId: box.dataset.clientId,
    scope: box.dataset.scope,
  };
  const params = new URLSearchParams(window.location.search);
  if (params.get("error")) fail("The identity provider refused the sign-in: " + params.get("error"));
  else if (params.get("code")) finishOidc(config, params).catch(() => fail("Sign-in failed."));
  const button = document.getElementById("oidc-sign-in");
  if (button) button.addEventListener("click", () => startOidc(config));
}

explainReturn();
const devForm = document.getElementById("dev-sign-in");
if (devForm) initDevForm(devForm);
const oidcBox = document.getElementById("oidc");
if (oidcBox) initOidc(oidcBox);
