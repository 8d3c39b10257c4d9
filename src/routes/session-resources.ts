import { Hono } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { AppEnv } from "../env";
import { database, type Database } from "../db/client";
import { sessions, type SessionRow, type StoredResource } from "../db/schema";
import { findFile } from "../db/queries/files";
import { findSession } from "../db/queries/sessions";
import { requireBeta } from "../middleware/betas";
import { badRequest, conflict, notFound } from "../lib/errors";
import { decodeCursor, encodeCursor, pageParams } from "../lib/pagination";
import { nowIso } from "../lib/time";
import { validate } from "../lib/validation";
import { resourceJson, storeResources } from "../schemas/sessions";
import { sealRepositoryTokens } from "../sessions/repository-token";

/**
 * /v1/sessions/:session_id/resources: a session's resources after creation. They live in the session's
 * index row (`sessions.resources`, which the session's Durable Object never writes), so the hands read the
 * current set on their next tool use; a cloud sandbox copies newly added files in then.
 */
export const sessionResourceRoutes = new Hono<AppEnv>();
sessionResourceRoutes.use("*", requireBeta("managed-agents-2026-04-01"));

// Relative or absolute: resolved under /mnt/session/uploads (src/sessions/file-mount-path.ts).
const mountPath = z.string().min(1).max(4096);
const addBody = z.strictObject({ type: z.literal("file"), file_id: z.string().min(1), mount_path: mountPath.nullish() });
const updateBody = z.strictObject({ authorization_token: z.string().min(1) });
const MAX_RESOURCES = 100;

sessionResourceRoutes.post("/:session_id/resources", validate("json", addBody), async (c) => {
  const db = database(c.env.DB);
  const body = c.req.valid("json");
  await findFile(db, c.var.workspaceId, body.file_id);
  const [added] = storeResources([{ type: "file", file_id: body.file_id, mount_path: body.mount_path ?? undefined }], nowIso());
  await changeResources(db, c.var.workspaceId, c.req.param("session_id"), (resources) => {
    if (resources.length >= MAX_RESOURCES) throw badRequest(`resources: a session has at most ${MAX_RESOURCES} resources`);
    if (resources.some((r) => r.mount_path === added.mount_path)) {
      throw badRequest(`mount_path: ${added.mount_path} is already used by another resource of this session`);
    }
    return [...resources, added];
  });
  return c.json(resourceJson(added));
});

sessionResourceRoutes.get("/:session_id/resources", validate("query", pageParams), async (c) => {
  const session = await findSession(database(c.env.DB), c.var.workspaceId, c.req.param("session_id"));
  const { limit, page } = c.req.valid("query");
  // Creation order (ids are time-sortable); the cursor is the last id served, as for every other list.
  const after = page ? decodeCursor(page).after : undefined;
  const rest = session.resources.filter((r) => after === undefined || r.id > after);
  const data = rest.slice(0, limit);
  const next_page = rest.length > limit ? encodeCursor({ after: data[data.length - 1].id, order: "asc" }) : null;
  return c.json({ data: data.map(resourceJson), next_page });
});

sessionResourceRoutes.get("/:session_id/resources/:resource_id", async (c) => {
  const session = await findSession(database(c.env.DB), c.var.workspaceId, c.req.param("session_id"));
  return c.json(resourceJson(findResource(session, c.req.param("resource_id"))));
});

sessionResourceRoutes.post("/:session_id/resources/:resource_id", validate("json", updateBody), async (c) => {
  const db = database(c.env.DB);
  const id = c.req.param("resource_id");
  const { authorization_token } = c.req.valid("json");
  let updated!: StoredResource;
  // Sealed before the read-modify-write (the AAD binds it to the resource id, which the update keeps).
  const [sealed] = await sealRepositoryTokens(c.env, c.var.workspaceId, [{ id, type: "github_repository", created_at: "", updated_at: "", authorization_token }]);
  await changeResources(db, c.var.workspaceId, c.req.param("session_id"), (resources, session) => {
    const current = findResource(session, id);
    if (current.type !== "github_repository") {
      throw badRequest(`authorization_token: only github_repository resources have a token; ${id} is a ${current.type} resource`);
    }
    const { authorization_token: _legacy, ...rest } = current;
    updated = { ...rest, sealed_authorization_token: sealed.sealed_authorization_token, updated_at: nowIso() };
    return resources.map((r) => (r.id === id ? updated : r));
  });
  return c.json(resourceJson(updated));
});

sessionResourceRoutes.delete("/:session_id/resources/:resource_id", async (c) => {
  const db = database(c.env.DB);
  const id = c.req.param("resource_id");
  await changeResources(db, c.var.workspaceId, c.req.param("session_id"), (resources, session) => {
    findResource(session, id);
    return resources.filter((r) => r.id !== id);
  });
  return c.json({ id, type: "session_resource_deleted" });
});

function findResource(session: SessionRow, id: string): StoredResource {
  const resource = session.resources.find((r) => r.id === id);
  if (!resource) throw notFound("session resource", id);
  return resource;
}

/**
 * Read-modify-write of the session's resource list, guarded by the list it read: a concurrent change
 * makes the write match nothing, and the change is redone on the fresh list.
 */
async function changeResources(
  db: Database,
  workspaceId: string,
  sessionId: string,
  change: (resources: StoredResource[], session: SessionRow) => StoredResource[],
) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const session = await findSession(db, workspaceId, sessionId);
    if (session.archivedAt || session.status === "terminated") {
      throw badRequest(`session ${sessionId} is ${session.archivedAt ? "archived" : "terminated"}; its resources cannot change`);
    }
    const next = change(session.resources, session);
    const written = await db
      .update(sessions)
      .set({ resources: next })
      .where(and(eq(sessions.id, sessionId), eq(sessions.workspaceId, workspaceId), sql`${sessions.resources} = ${JSON.stringify(session.resources)}`))
      .returning({ id: sessions.id });
    if (written.length) return;
  }
  throw conflict("resources: the session's resources changed concurrently; retry");
}
