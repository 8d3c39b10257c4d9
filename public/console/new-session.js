// The new-session dialog: pick an agent and an environment, optionally a title and a first message.
import { h, replace, toast } from "./dom.js";

/**
 * Creates a session from an existing agent and environment.
 * @param {import("./api.js").Api} api
 * @param {(session: any) => void} onCreated
 */
export function newSessionDialog(api, onCreated) {
  const agent = h("select", { id: "new-agent", required: true, disabled: true }, h("option", { text: "Loading agents…" }));
  const environment = h("select", { id: "new-env", required: true, disabled: true }, h("option", { text: "Loading environments…" }));
  const title = h("input", { id: "new-title", type: "text", maxlength: 1024, placeholder: "Optional" });
  const message = h("textarea", { id: "new-message", rows: 3, placeholder: "Optional: sent as the first user message" });
  const error = h("div.form-error", { role: "alert" });
  const create = h("button.primary", { type: "submit", text: "Create session", disabled: true });
  const cancel = h("button.ghost", { type: "button", text: "Cancel" });
  const form = h(
    "form.dialog-body",
    { method: "dialog" },
    h("h2", { text: "New session" }),
    h("label", { for: "new-agent", text: "Agent" }),
    agent,
    h("label", { for: "new-env", text: "Environment" }),
    environment,
    h("label", { for: "new-title", text: "Title" }),
    title,
    h("label", { for: "new-message", text: "First message" }),
    message,
    error,
    h("div.dialog-actions", null, cancel, create),
  );
  const dialog = /** @type {HTMLDialogElement} */ (h("dialog.modal", { "aria-label": "New session" }, form));
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  cancel.addEventListener("click", () => dialog.close());
  dialog.showModal();

  Promise.all([api.listAgents(), api.listEnvironments()])
    .then(([agents, environments]) => {
      const live = (/** @type {any[]} */ rows) => rows.filter((r) => !r.archived_at);
      fill(agent, live(agents), (a) => `${a.name} · v${a.version} · ${a.model?.id ?? a.model}`, "No agents yet: create one with the API.");
      fill(environment, live(environments), (e) => e.name, "No environments yet: create one with the API.");
      create.disabled = !live(agents).length || !live(environments).length;
    })
    .catch((err) => (error.textContent = `Could not load agents and environments: ${err.message}`));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    create.disabled = true;
    error.textContent = "";
    try {
      const session = await api.createSession({
        agent: agent.value,
        environment_id: environment.value,
        ...(title.value.trim() && { title: title.value.trim() }),
      });
      if (message.value.trim()) {
        await api.sendEvents(session.id, [{ type: "user.message", content: [{ type: "text", text: message.value.trim() }] }]);
      }
      dialog.close();
      toast("Session created", "info");
      onCreated(session);
    } catch (err) {
      error.textContent = /** @type {Error} */ (err).message;
      create.disabled = false;
    }
  });
}

/**
 * @param {HTMLSelectElement} select @param {any[]} rows @param {(row: any) => string} label @param {string} none
 */
function fill(select, rows, label, none) {
  replace(select, rows.length ? rows.map((r) => h("option", { value: r.id, text: label(r) })) : h("option", { value: "", text: none }));
  select.disabled = !rows.length;
}
