/**
 * The isolate sandbox's workspace snapshot: a gzip of `[u32 manifest length][manifest JSON][file bytes...]`,
 * with paths relative to the workdir so a snapshot restores into any sandbox of the same session.
 */
export interface SnapshotEntry {
  path: string;
  type: "file" | "directory" | "symlink";
  mode: number;
  mtime: number;
  target: string | null;
  data: Uint8Array | null;
}

type ManifestEntry = Omit<SnapshotEntry, "data"> & { size: number };

export async function encodeSnapshot(entries: Iterable<SnapshotEntry>): Promise<Uint8Array> {
  const manifest: ManifestEntry[] = [];
  const blobs: Uint8Array[] = [];
  for (const { data, ...entry } of entries) {
    manifest.push({ ...entry, size: data?.length ?? 0 });
    if (data) blobs.push(data);
  }
  const head = new TextEncoder().encode(JSON.stringify(manifest));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, head.length);
  const stream = new Blob([length, head, ...blobs]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function decodeSnapshot(gz: ReadableStream<Uint8Array> | ArrayBuffer): Promise<SnapshotEntry[]> {
  const source = gz instanceof ArrayBuffer ? new Blob([gz]).stream() : gz;
  const bytes = new Uint8Array(await new Response(source.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  const manifest: ManifestEntry[] = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headLength)));
  let offset = 4 + headLength;
  return manifest.map(({ size, ...entry }) => {
    const data = entry.type === "file" ? bytes.slice(offset, offset + size) : null;
    offset += entry.type === "file" ? size : 0;
    return { ...entry, data };
  });
}
