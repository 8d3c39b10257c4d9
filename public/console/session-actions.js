// Archiving and deleting a session, each after asking.
import { confirmAction } from "./confirm.js";
import { toast } from "./dom.js";

/** @param {import("./api.js").Api} api @param {string} id @param {(session: any) => void} onArchived */
export async function archiveSession(api, id, onArchived) {
  const ok = await confirmAction({
    title: "Archive this session?",
    message: "It leaves the session list (tick “Archived” to see it) and takes no new messages. Its events are kept.",
    action: "Archive",
  });
  if (!ok) return;
  try {
    onArchived(await api.archiveSession(id));
    toast("Session archived", "info");
  } catch (err) {
    toast(/** @type {Error} */ (err).message);
  }
}

/** @param {import("./api.js").Api} api @param {string} id @param {() => void} onDeleted */
export async function deleteSession(api, id, onDeleted) {
  const ok = await confirmAction({
    title: "Delete this session?",
    message: "The session and all its events are deleted for good. This cannot be undone.",
    action: "Delete session",
    danger: true,
  });
  if (!ok) return;
  try {
    await api.deleteSession(id);
    toast("Session deleted", "info");
    onDeleted();
    location.hash = "#/";
  } catch (err) {
    toast(/** @type {Error} */ (err).message);
  }
}
