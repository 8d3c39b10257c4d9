// One session: its header (status, agent, usage), the live timeline, what it waits for, and the composer.
import { ApiError } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { EventFilter } from "./event-filter.js";
import { archiveSession, deleteSession } from "./session-actions.js";
import { renderStats } from "./session-stats.js";
import { LiveStream } from "./live.js";
import { statusDot } from "./sessions.js";
import { Timeline } from "./timeline.js";

const STATUS_OF_EVENT = {
  "session.status_running": "running",
  "session.status_idle": "idle",
  "session.status_rescheduled": "rescheduling",
  "session.status_terminated": "terminated",
};
/** Events after which the session's usage or status may have changed: re-read the session (debounced). */
const REFRESH_AFTER = new Set(["span.model_request_end", "session.status_idle", "session.status_terminated", "session.status_running"]);

export class SessionView {
  /**
   * @param {import("./api.js").Api} api
   * @param {string} sessionId
   * @param {{ onChange?: () => void }} [options]
   */
  constructor(api, sessionId, options = {}) {
    this.api = api;
    this.sessionId = sessionId;
    this.options = options;
    /** @type {any} */
    this.session = undefined;
    /** Whether the stream last said this session waits for a self-hosted worker. */
    this.waitingForHands = false;
    this.destroyed = false;
    this.pendingCount = 0;

    this.title = h("h2.session-title", { text: "Loading…" });
    this.status = h("span.status-pill");
    this.conn = h("span.conn", { title: "Event stream" });
    this.meta = h("div.session-meta");
    this.stats = h("dl.session-stats");
    this.banner = h("div.action-banner", { hidden: true });
    this.log = h("div.timeline", { role: "log", "aria-label": "Session events" });
    this.filter = new EventFilter(this.log);
    this.scroller = h("div.timeline-scroll", null, this.log, this.filter.rawList);
    this.input = h("textarea.composer-input", {
      rows: 1,
      placeholder: "Message the agent…",
      "aria-label": "Message",
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.form.requestSubmit();
        }
      },
      oninput: () => this.autosize(),
    });
    this.sendButton = h("button.primary.send", { type: "submit", "aria-label": "Send" }, h("span.btn-icon"), h("span.btn-label", { text: "Send" }));
    this.interruptButton = h(
      "button.ghost.interrupt",
      { type: "button", "aria-label": "Interrupt", title: "Interrupt the agent", onclick: () => this.interrupt() },
      h("span.btn-icon"),
      h("span.btn-label", { text: "Interrupt" }),
    );
    this.form = h(
      "form.composer",
      { onsubmit: (/** @type {SubmitEvent} */ e) => (e.preventDefault(), this.send()) },
      this.input,
      h("div.composer-actions", null, this.interruptButton, this.sendButton),
    );
    this.el = h(
      "div.session",
      null,
      h(
        "header.session-head",
        null,
        h("a.back", { href: "#/", "aria-label": "Back to sessions", text: "‹" }),
        h("div.session-head-title", null, this.title, this.meta),
        h("div.session-head-badges", null, this.status, this.conn),
        h(
          "div.session-actions",
          null,
          (this.archiveButton = h("button.ghost.small", {
            type: "button",
            text: "Archive",
            onclick: () => archiveSession(this.api, this.sessionId, (session) => (this.render(session), this.options.onChange?.())),
          })),
          h("button.ghost.small.danger-text", {
            type: "button",
            text: "Delete",
            onclick: () => deleteSession(this.api, this.sessionId, () => this.options.onChange?.()),
          }),
        ),
        this.stats,
      ),
      this.filter.bar,
      this.scroller,
      h("footer.session-foot", null, this.banner, this.form),
    );

    this.timeline = new Timeline(this.log, {
      onAnswer: (answer) => this.answer(answer),
      onPendingChange: (pending) => this.showPending(pending),
    });
    this.stick = true;
    this.scroller.addEventListener("scroll", () => {
      const { scrollTop, scrollHeight, clientHeight } = this.scroller;
      this.stick = scrollHeight - scrollTop - clientHeight < 80;
    });
    // Keep the newest event in view while the reader is at the bottom; leave them be when they scrolled up.
    this.observer = new MutationObserver(() => this.stick && (this.scroller.scrollTop = this.scroller.scrollHeight));
    this.observer.observe(this.log, { childList: true, subtree: true, characterData: true });
  }

  async start() {
    try {
      this.render(await this.api.getSession(this.sessionId));
      const history = await this.api.listEvents(this.sessionId);
      if (this.destroyed) return;
      for (const event of history) this.add(event);
      this.follow(history.at(-1)?.id);
    } catch (err) {
      if (this.destroyed) return;
      const notFound = err instanceof ApiError && err.status === 404;
      replace(
        this.el,
        h(
          "div.placeholder",
          null,
          h("h2", { text: notFound ? "Session not found" : "Could not open this session" }),
          h("p", { text: notFound ? `No session ${this.sessionId} in this workspace.` : /** @type {Error} */ (err).message }),
          h("a.button.ghost", { href: "#/", text: "Back to sessions" }),
        ),
      );
    }
  }

  /** @param {string | undefined} afterId */
  follow(afterId) {
    this.live = new LiveStream({
      apiKey: this.api.apiKey,
      sessionId: this.sessionId,
      afterId,
      onEvent: (event) => this.add(event),
      onPreview: (preview) => this.timeline.preview(preview),
      onState: (state, detail) => this.showConnection(state, detail),
      onOpen: async (resumed) => {
        if (resumed) return;
        // Opened at the live edge (the log was empty): anything committed between the history read and
        // the subscription is fetched once more; the timeline drops what it already has.
        const events = await this.api.listEvents(this.sessionId).catch(() => []);
        for (const event of events) this.add(event);
        const last = events.at(-1)?.id;
        if (this.live && last && (!this.live.lastId || last > this.live.lastId)) this.live.lastId = last;
      },
      check: async () => {
        try {
          await this.api.getSession(this.sessionId);
          return undefined;
        } catch (err) {
          if (err instanceof ApiError && (err.status === 401 || err.status === 404)) return err.message;
          return undefined;
        }
      },
    });
  }

  /** @param {any} event */
  add(event) {
    this.timeline.add(event);
    this.filter.add(event);
    // The server says when the session's tool uses wait for a self-hosted worker (none free) and when one arrives.
    const waited = this.waitingForHands;
    if (event.type === "session.status_running" && "waiting_for_hands" in event) this.waitingForHands = event.waiting_for_hands === true;
    else if (event.type === "user.tool_result" || event.type === "session.status_idle" || event.type === "session.status_terminated") this.waitingForHands = false;
    if (waited !== this.waitingForHands && this.session && !STATUS_OF_EVENT[event.type]) this.render(this.session);
    // The server's word (session.status_running's waiting_for_hands) labels the tool calls in flight: work.list
    // takes the environment key only, so the console cannot look at the queue itself.
    if (waited !== this.waitingForHands || (event.type === "agent.tool_use" && this.waitingForHands)) this.timeline.tools.waitForHands(this.waitingForHands);
    const status = STATUS_OF_EVENT[event.type];
    if (status && this.session) this.render({ ...this.session, status });
    if (event.type === "session.deleted") this.render({ ...this.session, status: "terminated" });
    if (REFRESH_AFTER.has(event.type)) this.refreshSoon();
  }

  refreshSoon() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(async () => {
      const session = await this.api.getSession(this.sessionId).catch(() => undefined);
      if (session && !this.destroyed) this.render(session);
      this.options.onChange?.();
    }, 400);
  }

  /** @param {any} s */
  render(s) {
    this.session = s;
    this.title.textContent = s.title || "Untitled session";
    const waiting = s.status === "running" && this.waitingForHands;
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
    const ended = s.status === "terminated" || Boolean(s.archived_at);
    this.input.disabled = ended;
    this.sendButton.disabled = ended;
    this.updateInterrupt();
    this.input.placeholder = s.archived_at ? "This session is archived." : ended ? "This session has ended." : "Message the agent…";
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
    this.timeline.tools.setHands(env.config?.type);
  }

  /** @param {import("./live.js").LiveState} state @param {string} [detail] */
  showConnection(state, detail) {
    const labels = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", closed: "Closed" };
    this.conn.className = `conn ${state}`;
    this.conn.textContent = labels[state];
    this.conn.title = detail ? `Event stream: ${detail}` : `Event stream: ${labels[state].toLowerCase()}`;
  }

  /** Interrupting stops a turn in flight, or abandons tool calls the session waits on. */
  updateInterrupt() {
    const status = this.session?.status;
    this.interruptButton.disabled = !(status === "running" || status === "rescheduling" || this.pendingCount > 0);
  }

  /** @param {any[]} pending */
  showPending(pending) {
    this.pendingCount = pending.length;
    this.updateInterrupt();
    this.banner.hidden = pending.length === 0;
    if (!pending.length) return;
    const names = pending.map((e) => e.name).join(", ");
    const confirmations = pending.filter((e) => e.type !== "agent.custom_tool_use").length;
    const results = pending.length - confirmations;
    const what = [
      results ? `${results} tool result${results > 1 ? "s" : ""}` : null,
      confirmations ? `${confirmations} confirmation${confirmations > 1 ? "s" : ""}` : null,
    ].filter(Boolean);
    replace(
      this.banner,
      h("span.pulse"),
      h("span", null, h("strong", { text: "Waiting for you: " }), `${what.join(" and ")} (${names})`),
      h("button.ghost.small", {
        type: "button",
        text: "Show",
        onclick: () => document.getElementById(`event-${pending[0].id}`)?.scrollIntoView({ behavior: "smooth", block: "center" }),
      }),
    );
  }

  async send() {
    const text = this.input.value.trim();
    if (!text) return;
    this.sendButton.disabled = true;
    if (await this.post([{ type: "user.message", content: [{ type: "text", text }] }])) {
      this.input.value = "";
      this.autosize();
      this.stick = true;
    }
    this.sendButton.disabled = this.session?.status === "terminated";
  }

  async interrupt() {
    this.interruptButton.disabled = true;
    if (!(await this.post([{ type: "user.interrupt" }]))) this.interruptButton.disabled = false;
  }

  /** @param {import("./answer-forms.js").Answer} answer */
  async answer(answer) {
    const event =
      answer.kind === "result"
        ? {
            type: "user.custom_tool_result",
            custom_tool_use_id: answer.toolUseId,
            content: answer.content ? [{ type: "text", text: answer.content }] : [],
            is_error: answer.isError,
          }
        : {
            type: "user.tool_confirmation",
            tool_use_id: answer.toolUseId,
            result: answer.result,
            ...(answer.result === "deny" && answer.denyMessage && { deny_message: answer.denyMessage }),
          };
    await this.post([event]);
  }

  /**
   * Sends events; the ones the server returns are shown at once (the stream brings them again, deduplicated).
   * @returns {Promise<boolean>} whether they were accepted (a refusal is shown as a toast)
   */
  async post(events) {
    try {
      const res = await this.api.sendEvents(this.sessionId, events);
      for (const event of res.data ?? []) this.add(event);
      this.timeline.tools.markMine((res.data ?? []).map((e) => e.id));
      return true;
    } catch (err) {
      toast(/** @type {Error} */ (err).message);
      return false;
    }
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 200)}px`;
  }

  destroy() {
    this.destroyed = true;
    this.live?.stop();
    this.observer.disconnect();
    clearTimeout(this.refreshTimer);
  }
}
