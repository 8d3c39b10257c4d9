// The console: sign in with a workspace API key, browse sessions, watch one live and talk to it.
// Routes live in the hash (#/, #/sessions/<id>, #/agents/<id>, …) so the static page needs no server routing.
import { ApiError, createApi, forgetKey, storedKey, storeKey } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { SessionList } from "./sessions.js";
import { newSessionDialog } from "./new-session.js";
import { SessionView } from "./session-view.js";
import { ResourcePage } from "./resource-page.js";
import { agentsPage } from "./page-agents.js";
import { environmentsPage } from "./page-environments.js";
import { vaultsPage } from "./page-vaults.js";
import { filesPage } from "./page-files.js";
import { skillsPage } from "./page-skills.js";
import { memoryPage } from "./page-memory.js";

/** The read-mostly pages, in the nav's order after Sessions. */
const PAGES = [agentsPage, environmentsPage, vaultsPage, filesPage, skillsPage, memoryPage];

const app = /** @type {HTMLElement} */ (document.getElementById("app"));
const topbarEnd = /** @type {HTMLElement} */ (document.getElementById("topbar-end"));
const nav = /** @type {HTMLElement} */ (document.getElementById("page-nav"));

/**
 * @typedef {{ api: import("./api.js").Api, list: SessionList, layout: HTMLElement, detail: HTMLElement, view?: SessionView,
 *   pages: Map<string, ResourcePage> }} SignedIn
 */
/** @type {SignedIn | undefined} */
let signedIn;

function route() {
  const key = storedKey();
  if (!key) return signIn();
  if (!signedIn) start(key);
  const s = /** @type {SignedIn} */ (signedIn);
  const [, name = "sessions", rawId] = location.hash.match(/^#\/([a-z_]+)(?:\/([^/?#]+))?/) ?? [];
  const id = rawId ? decodeURIComponent(rawId) : undefined;
  const def = PAGES.find((p) => p.path === name);
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("data-page") === (def ? name : "sessions")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (def) return showPage(s, def, id);
  showSessions(s, name === "sessions" ? id : undefined);
}

/**
 * @param {SignedIn} s
 * @param {import("./resource-page.js").ResourceDef} def
 * @param {string | undefined} id
 */
function showPage(s, def, id) {
  s.view?.destroy();
  s.view = undefined;
  let page = s.pages.get(def.path);
  if (!page) {
    page = new ResourcePage(s.api, def);
    s.pages.set(def.path, page);
    page.load();
  }
  if (app.firstElementChild !== page.el) replace(app, page.el);
  page.show(id);
}

/** @param {SignedIn} s @param {string | undefined} sessionId */
function showSessions(s, sessionId) {
  if (app.firstElementChild !== s.layout) {
    replace(app, s.layout);
    s.list.refresh(true);
  }
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
  replace(
    nav,
    h("a", { href: "#/", "data-page": "sessions", text: "Sessions" }),
    PAGES.map((p) => h("a", { href: `#/${p.path}`, "data-page": p.path, text: p.title })),
  );
  nav.hidden = false;
  signedIn = { api, list, layout, detail, pages: new Map() };
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
  nav.replaceChildren();
  nav.hidden = true;
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
