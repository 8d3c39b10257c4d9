import { putChunks } from "../../src/lib/r2-upload";

/**
 * The isolate sandbox's workspace snapshot: a gzip of `[u32 manifest length][manifest JSON][file bytes...]`,
 * with paths relative to the workdir so a snapshot restores into any sandbox of the same session.
 *
 * Both directions stream: the bytes are read from SQLite one stored chunk at a time, gzipped and sent to R2
 * in multipart parts (r2-upload.ts), and a restore writes each file as its bytes arrive. Memory stays at a
 * part plus a chunk whatever the workspace's size (one Blob of it failed past the isolate's limits and left
 * the workspace impossible to snapshot or tear down).
 */
export interface SnapshotEntry {
  path: string;
  type: "file" | "directory" | "symlink";
  mode: number;
  mtime: number;
  target: string | null;
  /** Bytes of a file (0 for the rest): the manifest carries it, the content follows in manifest order. */
  size: number;
}

/** A snapshot larger than this is refused (the sandbox's own quota keeps a workspace far below it). */
const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024 * 1024;

/** Writes a snapshot of `entries` to R2 at `key`; `read(i)` yields the bytes of `entries[i]` in pieces. */
export async function putSnapshot(
  bucket: R2Bucket,
  key: string,
  entries: SnapshotEntry[],
  read: (index: number) => Iterable<Uint8Array>,
): Promise<void> {
  const raw = new ReadableStream<Uint8Array>(pullFrom(snapshotPieces(entries, read)));
  const gz = raw.pipeThrough(new CompressionStream("gzip"));
  await putChunks(bucket, key, gz as unknown as AsyncIterable<Uint8Array>, {
    maxBytes: MAX_SNAPSHOT_BYTES,
    httpMetadata: { contentType: "application/gzip" },
  });
}

function* snapshotPieces(entries: SnapshotEntry[], read: (index: number) => Iterable<Uint8Array>): Generator<Uint8Array> {
  const head = new TextEncoder().encode(JSON.stringify(entries));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, head.length);
  yield length;
  yield head;
  for (const [i, entry] of entries.entries()) {
    if (entry.type !== "file") continue;
    let written = 0;
    for (const piece of read(i)) {
      written += piece.length;
      yield piece;
    }
    if (written !== entry.size) throw new Error(`snapshot: ${entry.path} changed size while being read (${entry.size} → ${written})`);
  }
}

/** A pull source: the next piece is read only when the compressor wants more, so nothing piles up. */
function pullFrom(pieces: Iterator<Uint8Array>): UnderlyingSource<Uint8Array> {
  return {
    pull(controller: ReadableStreamDefaultController<Uint8Array>) {
      const next = pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  };
}

/**
 * Reads a snapshot as it streams in: `onEntry` gets each entry in manifest order and, for a file, its bytes
 * as an async iterable that must be consumed before the next entry arrives.
 */
export async function readSnapshot(
  gz: ReadableStream<Uint8Array>,
  onEntry: (entry: Omit<SnapshotEntry, "size">, data?: AsyncIterable<Uint8Array>) => Promise<void>,
): Promise<void> {
  const reader = new ByteReader(gz.pipeThrough(new DecompressionStream("gzip")).getReader());
  const headLength = new DataView((await reader.exactly(4)).buffer).getUint32(0);
  const manifest: Array<SnapshotEntry & { data?: unknown }> = JSON.parse(new TextDecoder().decode(await reader.exactly(headLength)));
  for (const { size, data: _legacy, ...entry } of manifest) {
    if (entry.type === "file") await onEntry(entry, reader.take(size));
    else await onEntry(entry);
  }
}

/** Exact-length reads over a stream of arbitrarily cut pieces. */
class ByteReader {
  private pending: Uint8Array = new Uint8Array();

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    if (this.pending.length) return true;
    const { done, value } = await this.reader.read();
    if (done) return false;
    this.pending = value;
    return true;
  }

  /** The next `n` bytes in pieces as they arrive. */
  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw new Error("snapshot is truncated");
      const piece = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  async exactly(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let at = 0;
    for await (const piece of this.take(n)) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }
}
