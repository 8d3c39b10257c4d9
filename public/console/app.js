// The console: sign in with a workspace API key, browse sessions, watch one live and talk to it.
// Routes live in the hash (#/, #/sessions/<id>) so the static page needs no server routing.
import { ApiError, createApi, forgetKey, storedKey, storeKey } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { SessionList, newSessionDialog } from "./sessions.js";
import { SessionView } from "./session-view.js";

const app = /** @type {HTMLElement} */ (document.getElementById("app"));
const topbarEnd = /** @type {HTMLElement} */ (document.getElementById("topbar-end"));

/** @type {{ api: import("./api.js").Api, list: SessionList, layout: HTMLElement, detail: HTMLElement, view?: SessionView } | undefined} */
let signedIn;

function route() {
  const key = storedKey();
  if (!key) return signIn();
  if (!signedIn) start(key);
  const s = /** @type {NonNullable<typeof signedIn>} */ (signedIn);
  const match = location.hash.match(/^#\/sessions\/([^/?#]+)/);
  const sessionId = match ? decodeURIComponent(match[1]) : undefined;
  s.layout.classList.toggle("has-detail", Boolean(sessionId));
  s.list.select(sessionId);
  if (sessionId && s.view?.sessionId === sessionId) return;
  s.view?.destroy();
  s.view = undefined;
  if (sessionId) {
    s.view = new SessionView(s.api, sessionId, { onChange: () => s.list.refresh() });
    replace(s.detail, s.view.el);
    s.view.start();
  } else {
    replace(
      s.detail,
      h(
        "div.placeholder",
        null,
        h("div.placeholder-art", { "aria-hidden": "true" }),
        h("h2", { text: "Pick a session" }),
        h("p", { text: "Its events stream here live: messages, thinking, tool calls and their results." }),
      ),
    );
  }
}

/** @param {string} key */
function start(key) {
  const api = createApi(key);
  const list = new SessionList(api, {
    onNew: () =>
      newSessionDialog(api, (session) => {
        list.refresh();
        location.hash = `#/sessions/${session.id}`;
      }),
    onAuthError: signOut,
  });
  const detail = h("section.pane.pane-detail");
  const layout = h("div.layout", null, h("section.pane.pane-list", null, list.el), detail);
  replace(app, layout);
  replace(
    topbarEnd,
    h("span.key-hint", { title: "Signed in with this workspace API key (kept in this tab only)", text: maskKey(key) }),
    h("button.ghost.small", { type: "button", onclick: signOut, text: "Sign out" }),
  );
  signedIn = { api, list, layout, detail };
  list.refresh();
}

function signOut() {
  forgetKey();
  signedIn?.view?.destroy();
  signedIn?.list.destroy();
  signedIn = undefined;
  location.hash = "#/";
  route();
}

function signIn() {
  topbarEnd.replaceChildren();
  const input = h("input", {
    type: "password",
    id: "api-key",
    name: "api-key",
    autocomplete: "off",
    spellcheck: false,
    placeholder: "sk-ma-…",
    required: true,
  });
  const error = h("div.form-error", { role: "alert" });
  const submit = h("button.primary.wide", { type: "submit", text: "Sign in" });
  const form = h(
    "form.signin-card",
    {
      onsubmit: async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        submit.disabled = true;
        error.textContent = "";
        try {
          await createApi(key).listSessions({ limit: 1 });
          storeKey(key);
          route();
        } catch (err) {
          error.textContent =
            err instanceof ApiError && err.status === 401 ? "That key was not accepted. Check it and try again." : String(err.message ?? err);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h1", { text: "Sign in" }),
    h("p.muted", {
      text: "Paste a workspace API key. It is kept for this tab only and sent as a request header, never in a URL.",
    }),
    h("label", { for: "api-key", text: "API key" }),
    input,
    error,
    submit,
  );
  replace(app, h("div.signin", null, form));
  input.focus();
}

/** @param {string} key */
function maskKey(key) {
  return key.length > 12 ? `${key.slice(0, 6)}…${key.slice(-4)}` : "••••";
}

addEventListener("hashchange", route);
addEventListener("unhandledrejection", (e) => {
  const err = e.reason;
  if (err instanceof ApiError && err.status === 401) return signOut();
  toast(err?.message ?? String(err));
});
route();
