// Sign in: the development issuer (choose a role) or the identity provider (OIDC + PKCE).
import { api, problemText, saveSession } from "./common.js";

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

function claims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload));
  } catch {
    return {};
  }
}

function startSession(token, expiresIn, who) {
  saveSession({ token, expiresAt: Date.now() + expiresIn * 1000, ...who });
  window.location.assign(who.next || nextPath());
}

// ---- development issuer ----------------------------------------------------------------

function initDevForm(form) {
  const role = form.elements.role;
  const unitField = document.getElementById("unit-field");
  const syncUnit = () => {
    unitField.hidden = role.value !== "pccc";
  };
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
    startSession(result.data.access_token, result.data.expires_in, {
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
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, next: nextPath() }));
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
  const who = claims(token.access_token);
  startSession(token.access_token, token.expires_in || 3600, {
    role: who.role || (who.roles || [])[0] || "officer",
    subject: who.preferred_username || who.sub || "unknown",
    unit: who.unit || null,
    next: saved.next,
  });
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

const devForm = document.getElementById("dev-sign-in");
if (devForm) initDevForm(devForm);
const oidcBox = document.getElementById("oidc");
if (oidcBox) initOidc(oidcBox);
