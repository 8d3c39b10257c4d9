// Asks before doing something that cannot be undone (or not easily): a modal with Cancel and the action.
import { h } from "./dom.js";

/**
 * @param {{ title: string, message: string, action: string, danger?: boolean }} options
 * @returns {Promise<boolean>} whether the user chose the action
 */
export function confirmAction({ title, message, action, danger = false }) {
  return new Promise((resolve) => {
    let chosen = false;
    const go = h(`button.${danger ? "danger" : "primary"}`, { type: "submit", text: action });
    const cancel = h("button.ghost", { type: "button", text: "Cancel" });
    const form = h(
      "form.dialog-body",
      { method: "dialog", onsubmit: () => (chosen = true) },
      h("h2", { text: title }),
      h("p.muted", { text: message }),
      h("div.dialog-actions", null, cancel, go),
    );
    const dialog = /** @type {HTMLDialogElement} */ (h("dialog.modal.confirm", { "aria-label": title }, form));
    document.body.append(dialog);
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(chosen);
    });
    dialog.showModal();
    cancel.focus();
  });
}
