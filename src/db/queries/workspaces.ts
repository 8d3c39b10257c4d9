import { eq } from "drizzle-orm";
import type { Database } from "../client";
import { workspaces } from "../schema";
import { notFound } from "../../lib/errors";

/** A workspace by id, or the admin API's 404. */
export async function findWorkspace(db: Database, id: string) {
  const [row] = await db.select().from(workspaces).where(eq(workspaces.id, id)).limit(1);
  if (!row) throw notFound("workspace", id);
  return row;
}
