import type { StoredResource } from "../db/schema/sessions";

/** A memory store attached to a session, as the brain (system prompt) and the hands (the mount) use it. */
export interface MemoryMount {
  memoryStoreId: string;
  name: string;
  mountPath: string;
  readOnly: boolean;
  description: string;
  instructions: string | null;
}

/**
 * The session's memory store resources that have a mount path (every one attached since mount paths exist;
 * older sessions' stores are reachable through the API only).
 */
export function memoryMountsOf(resources: StoredResource[]): MemoryMount[] {
  return resources.flatMap((r) =>
    r.type === "memory_store" && typeof r.mount_path === "string"
      ? [
          {
            memoryStoreId: String(r.memory_store_id),
            name: typeof r.name === "string" ? r.name : String(r.memory_store_id),
            mountPath: r.mount_path,
            readOnly: r.access === "read_only",
            description: typeof r.description === "string" ? r.description : "",
            instructions: typeof r.instructions === "string" ? r.instructions : null,
          },
        ]
      : [],
  );
}

/**
 * The note the system prompt carries for the session's memory stores ("a note describing each mount is
 * automatically added to the system prompt, telling the agent where to look"): name, mount path, access,
 * description and instructions of each.
 */
export function memoryPromptNote(mounts: MemoryMount[]): string | undefined {
  if (!mounts.length) return undefined;
  const entries = mounts.map((m) =>
    [
      `## ${m.name}`,
      `- Mounted at: ${m.mountPath}`,
      `- Access: ${m.readOnly ? "read_only (read it; writes there fail)" : "read_write (read it and write to it)"}`,
      ...(m.description ? [`- Description: ${m.description}`] : []),
      ...(m.instructions ? [`- Instructions: ${m.instructions}`] : []),
    ].join("\n"),
  );
  return [
    "# Memory stores",
    "These directories hold memories: text files that persist across sessions. Look in them for context before you " +
      "start, and record there what a later session should know. Use your file tools and bash on them like any other " +
      "file; what you write, edit or delete in a writable store is saved to the store.",
    ...entries,
  ].join("\n\n");
}
