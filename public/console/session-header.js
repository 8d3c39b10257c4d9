// A session's header: title, status pill, stream connection, agent/model/environment, the usage numbers and the
// archive and delete buttons.
import { h, replace } from "./dom.js";
import { archiveSession, deleteSession } from "./session-actions.js";
import { renderStats } from "./session-stats.js";
import { statusDot } from "./sessions.js";

/**
 * @typedef {{
 *   onArchived: (session: any) => void,
 *   onDeleted: () => void,
 *   onEnvironment: (environment: any) => void,
 * }} SessionHeaderOptions
 */

export class SessionHeader {
  /** @param {import("./api.js").Api} api @param {string} sessionId @param {SessionHeaderOptions} options */
  constructor(api, sessionId, options) {
    this.api = api;
    this.options = options;
    this.title = h("h2.session-title", { text: "Loading…" });
    this.status = h("span.status-pill");
    this.conn = h("span.conn", { title: "Event stream" });
    this.meta = h("div.session-meta");
    this.stats = h("dl.session-stats");
    this.archiveButton = h("button.ghost.small", {
      type: "button",
      text: "Archive",
      onclick: () => archiveSession(api, sessionId, options.onArchived),
    });
    this.el = h(
      "header.session-head",
      null,
      h("a.back", { href: "#/", "aria-label": "Back to sessions", text: "‹" }),
      h("div.session-head-title", null, this.title, this.meta),
      h("div.session-head-badges", null, this.status, this.conn),
      h(
        "div.session-actions",
        null,
        this.archiveButton,
        h("button.ghost.small.danger-text", { type: "button", text: "Delete", onclick: () => deleteSession(api, sessionId, options.onDeleted) }),
      ),
      this.stats,
    );
  }

  /** @param {any} s the session @param {boolean} waitingForHands whether the stream last said it waits for a worker */
  render(s, waitingForHands) {
    this.title.textContent = s.title || "Untitled session";
    const waiting = s.status === "running" && waitingForHands;
    replace(this.status, statusDot(s.status), waiting ? "waiting for hands" : s.status);
    this.status.className = `status-pill ${s.status}${waiting ? " waiting" : ""}`;
    this.status.title = waiting ? "Tool calls are queued for a self-hosted worker, and every worker is busy (or none is running)." : "";
    replace(
      this.meta,
      h("code", { text: s.id }),
      s.agent ? h("span", { title: `Agent ${s.agent.id}`, text: `${s.agent.name} v${s.agent.version}` }) : null,
      s.agent?.model ? h("span", { text: s.agent.model.id ?? s.agent.model }) : null,
      this.environment,
    );
    this.showEnvironment(s.environment_id);
    renderStats(this.stats, s);
    this.archiveButton.hidden = Boolean(s.archived_at);
  }

  /** The environment's name in the header, read once per session (it cannot change). @param {string} id */
  async showEnvironment(id) {
    if (!id || this.environment?.dataset.id === id) return;
    this.environment = h("a.session-env", { href: `#/environments/${encodeURIComponent(id)}`, title: `Environment ${id}`, text: id });
    this.environment.dataset.id = id;
    this.meta.append(this.environment);
    const env = await this.api.getEnvironment(id).catch(() => undefined);
    if (!env || this.destroyed) return;
    this.environment.textContent = `env: ${env.name}`;
    this.options.onEnvironment(env);
  }

  /** @param {import("./live.js").LiveState} state @param {string} [detail] */
  showConnection(state, detail) {
    const labels = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", closed: "Closed" };
    this.conn.className = `conn ${state}`;
    this.conn.textContent = labels[state];
    this.conn.title = detail ? `Event stream: ${detail}` : `Event stream: ${labels[state].toLowerCase()}`;
  }

  /** The view closed: an environment read still in flight changes nothing. */
  destroy() {
    this.destroyed = true;
  }
}
