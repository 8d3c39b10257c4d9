// The forms on a tool card the session waits on: a custom tool's result, or a built-in tool's confirmation.
import { h } from "./dom.js";

/**
 * What the user answered on a waiting tool card.
 * @typedef {{ kind: "result", toolUseId: string, content: string, isError: boolean }
 *   | { kind: "confirmation", toolUseId: string, result: "allow" | "deny", denyMessage?: string }} Answer
 */

/** @param {any} event @param {(answer: Answer) => Promise<void>} onAnswer */
export function resultForm(event, onAnswer) {
  const text = h("textarea", { rows: 3, placeholder: `Result for ${event.name}…`, "aria-label": `Result for ${event.name}` });
  const isError = h("input", { type: "checkbox" });
  const submit = h("button.primary", { type: "submit", text: "Send result" });
  return h(
    "form.answer",
    {
      onsubmit: async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        await busy(submit, () =>
          onAnswer({ kind: "result", toolUseId: event.id, content: text.value, isError: isError.checked }),
        );
      },
    },
    h("div.answer-title", null, h("span.pulse"), "Waiting for your tool result"),
    text,
    h("div.answer-row", null, h("label.check", null, isError, "Report as error"), submit),
  );
}

/** @param {any} event @param {(answer: Answer) => Promise<void>} onAnswer */
export function confirmForm(event, onAnswer) {
  const reason = h("input", { type: "text", placeholder: "Reason (optional, sent on deny)", "aria-label": "Deny reason" });
  const allow = h("button.primary", { type: "button", text: "Allow" });
  const deny = h("button.danger", { type: "button", text: "Deny" });
  const answer = (/** @type {"allow" | "deny"} */ result, /** @type {HTMLButtonElement} */ button) =>
    busy(button, () =>
      onAnswer({ kind: "confirmation", toolUseId: event.id, result, denyMessage: reason.value.trim() || undefined }),
    );
  allow.addEventListener("click", () => answer("allow", allow));
  deny.addEventListener("click", () => answer("deny", deny));
  return h(
    "div.answer",
    null,
    h("div.answer-title", null, h("span.pulse"), `Allow ${event.name} to run?`),
    reason,
    h("div.answer-row", null, deny, allow),
  );
}

/** Disables a form's buttons while its answer is sent. @param {HTMLButtonElement} button @param {() => Promise<void>} fn */
async function busy(button, fn) {
  const buttons = [...(button.closest(".answer")?.querySelectorAll("button") ?? [button])];
  for (const b of buttons) b.disabled = true;
  try {
    await fn();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** The event that answers a tool card: a custom tool's result, or a built-in tool's confirmation. @param {Answer} answer */
export function answerEvent(answer) {
  return answer.kind === "result"
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
}
