import { tooLarge } from "./multipart";

/**
 * R2 multipart parts must all be the same size (except the last) and at least 5 MiB. Memory
 * use of an upload is one part, whatever the file size.
 */
export const PART_BYTES = 5 * 1024 * 1024;

/**
 * Writes a stream of unknown length to R2: a single put when it fits in one part, a multipart
 * upload otherwise (R2 wants a known length for a streamed put). Fails with 413 past `maxBytes`,
 * leaving nothing behind. Returns the number of bytes written.
 */
export async function putChunks(
  bucket: R2Bucket,
  key: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: { maxBytes: number; httpMetadata?: R2HTTPMetadata },
): Promise<number> {
  let part = new Uint8Array(PART_BYTES);
  let filled = 0;
  let total = 0;
  let upload: R2MultipartUpload | undefined;
  const uploaded: R2UploadedPart[] = [];

  try {
    for await (const chunk of chunks) {
      total += chunk.length;
      if (total > opts.maxBytes) throw tooLarge(opts.maxBytes);
      for (let at = 0; at < chunk.length; ) {
        const n = Math.min(PART_BYTES - filled, chunk.length - at);
        part.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === PART_BYTES) {
          upload ??= await bucket.createMultipartUpload(key, { httpMetadata: opts.httpMetadata });
          uploaded.push(await upload.uploadPart(uploaded.length + 1, part));
          part = new Uint8Array(PART_BYTES);
          filled = 0;
        }
      }
    }
    if (!upload) {
      await bucket.put(key, part.subarray(0, filled), { httpMetadata: opts.httpMetadata });
      return total;
    }
    if (filled > 0) uploaded.push(await upload.uploadPart(uploaded.length + 1, part.subarray(0, filled)));
    await upload.complete(uploaded);
    return total;
  } catch (err) {
    await upload?.abort().catch(() => {});
    throw err;
  }
}
