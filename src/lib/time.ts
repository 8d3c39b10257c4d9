/** RFC 3339 timestamp, the format every `*_at` field of the API uses. */
export const nowIso = () => new Date().toISOString();
