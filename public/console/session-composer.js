// The box under a session's timeline: a message to the agent (Enter sends, Shift+Enter breaks the line) and the
// interrupt button.
import { h } from "./dom.js";

/**
 * Each action resolves to whether the server accepted what was sent (a refusal is the caller's to show).
 * @typedef {{ send: (text: string) => Promise<boolean>, interrupt: () => Promise<boolean> }} ComposerActions
 */

export class SessionComposer {
  /** @param {ComposerActions} actions */
  constructor(actions) {
    this.actions = actions;
    this.terminated = false;
    this.input = h("textarea.composer-input", {
      rows: 1,
      placeholder: "Message the agent…",
      "aria-label": "Message",
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.el.requestSubmit();
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
    /** @type {HTMLFormElement} */
    this.el = h(
      "form.composer",
      { onsubmit: (/** @type {SubmitEvent} */ e) => (e.preventDefault(), this.send()) },
      this.input,
      h("div.composer-actions", null, this.interruptButton, this.sendButton),
    );
  }

  /** An ended (terminated or archived) session takes no messages. @param {any} s the session */
  showSession(s) {
    this.terminated = s.status === "terminated";
    const ended = this.terminated || Boolean(s.archived_at);
    this.input.disabled = ended;
    this.sendButton.disabled = ended;
    this.input.placeholder = s.archived_at ? "This session is archived." : ended ? "This session has ended." : "Message the agent…";
  }

  /** @param {boolean} interruptible */
  setInterruptible(interruptible) {
    this.interruptButton.disabled = !interruptible;
  }

  async send() {
    const text = this.input.value.trim();
    if (!text) return;
    this.sendButton.disabled = true;
    if (await this.actions.send(text)) {
      this.input.value = "";
      this.autosize();
    }
    this.sendButton.disabled = this.terminated;
  }

  async interrupt() {
    this.interruptButton.disabled = true;
    if (!(await this.actions.interrupt())) this.interruptButton.disabled = false;
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 200)}px`;
  }
}
