// One session: its header (status, agent, usage), the live timeline, what it waits for, and the composer.
import { renderActionBanner } from "./action-banner.js";
import { answerEvent } from "./answer-forms.js";
import { ApiError } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { EventFilter } from "./event-filter.js";
import { LiveStream } from "./live.js";
import { SessionComposer } from "./session-composer.js";
import { SessionHeader } from "./session-header.js";
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

    this.header = new SessionHeader(api, sessionId, {
      onArchived: (session) => (this.render(session), this.options.onChange?.()),
      onDeleted: () => this.options.onChange?.(),
      onEnvironment: (env) => this.timeline.tools.setHands(env.config?.type),
    });
    this.composer = new SessionComposer({
      send: async (text) => {
        const sent = await this.post([{ type: "user.message", content: [{ type: "text", text }] }]);
        if (sent) this.stick = true;
        return sent;
      },
      interrupt: () => this.post([{ type: "user.interrupt" }]),
    });
    this.banner = h("div.action-banner", { hidden: true });
    this.log = h("div.timeline", { role: "log", "aria-label": "Session events" });
    this.filter = new EventFilter(this.log);
    this.scroller = h("div.timeline-scroll", null, this.log, this.filter.rawList);
    this.el = h("div.session", null, this.header.el, this.filter.bar, this.scroller, h("footer.session-foot", null, this.banner, this.composer.el));

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
      onState: (state, detail) => this.header.showConnection(state, detail),
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
    // The snapshot is the server's own total at this idle: the header shows it at once rather than after a re-read.
    if (event.type === "session.usage" && this.session) {
      const { active_seconds, ...usage } = event.usage;
      this.render({ ...this.session, usage: { ...this.session.usage, ...usage }, stats: { ...this.session.stats, active_seconds } });
    }
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
    this.header.render(s, this.waitingForHands);
    this.composer.showSession(s);
    this.updateInterrupt();
  }

  /** Interrupting stops a turn in flight, or abandons tool calls the session waits on. */
  updateInterrupt() {
    const status = this.session?.status;
    this.composer.setInterruptible(status === "running" || status === "rescheduling" || this.pendingCount > 0);
  }

  /** @param {any[]} pending */
  showPending(pending) {
    this.pendingCount = pending.length;
    this.updateInterrupt();
    renderActionBanner(this.banner, pending);
  }

  /** @param {import("./answer-forms.js").Answer} answer */
  async answer(answer) {
    await this.post([answerEvent(answer)]);
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

  destroy() {
    this.destroyed = true;
    this.header.destroy();
    this.live?.stop();
    this.observer.disconnect();
    clearTimeout(this.refreshTimer);
  }
}
