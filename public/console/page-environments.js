// Environments: configuration and, for self-hosted ones, the work queue (stats, items) and who may poll it.
import { h } from "./dom.js";
import { badge, code, enc, fields, json, section, table, when } from "./page-kit.js";

/** @param {any} stats  BetaSelfHostedWorkQueueStats */
function queueStats(stats) {
  return h(
    "dl.queue-stats",
    null,
    [
      ["Queued", stats.depth],
      ["In progress", stats.pending],
      ["Workers polling", stats.workers_polling ?? "—"],
      ["Oldest queued", stats.oldest_queued_at ? when(stats.oldest_queued_at) : "—"],
    ].map(([label, value]) => h("div", null, h("dt", { text: label }), h("dd", null, value))),
  );
}

/** @param {import("./api.js").Api} api @param {any} env */
async function workSections(api, env) {
  const base = `/v1/environments/${enc(env.id)}`;
  const [stats, keys] = await Promise.all([api.get(`${base}/work/stats`), api.list(`${base}/keys`)]);
  return [
    section("Work queue", queueStats(stats)),
    // work.list takes the environment key only (the SDK's rule), so the console, signed in with an API key, shows the
    // queue's counts; each session's stream says when its work waits for a worker.
    section(
      "Worker keys",
      table(
        keys,
        [
          ["Name", (k) => k.name],
          ["ID", (k) => code(k.id)],
          ["Created", (k) => when(k.created_at)],
          ["Status", (k) => (k.revoked_at ? badge("revoked", "neutral") : badge("active", "ok"))],
        ],
        "No environment keys: create one for a worker with POST /v1/environments/:id/keys.",
      ),
    ),
  ];
}

/** @type {import("./resource-page.js").ResourceDef} */
export const environmentsPage = {
  path: "environments",
  title: "Environments",
  empty: "No environments yet: create one with the API.",
  list: (api) => api.list("/v1/environments", { include_archived: true }),
  label: (e) => e.name,
  sub: (e) => [code(e.id), h("span", { text: e.config?.type ?? "" })],
  async detail(api, id) {
    const env = await api.get(`/v1/environments/${enc(id)}`);
    const selfHosted = env.config?.type === "self_hosted";
    return h(
      "div",
      null,
      h("h2", null, env.name, " ", badge(selfHosted ? "self-hosted" : "cloud")),
      fields([
        ["ID", code(env.id)],
        ["Description", env.description],
        ["Networking", env.config?.networking?.type],
        ["Created", when(env.created_at)],
        ["Archived", env.archived_at ? when(env.archived_at) : null],
      ]),
      selfHosted ? await workSections(api, env) : null,
      section("Configuration", json(env.config)),
    );
  },
};
