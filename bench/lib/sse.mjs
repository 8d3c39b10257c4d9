// A resumable SSE subscriber on raw fetch: follows a session's stream, reconnecting with `after_id` (the last
// event id it holds) whenever the connection drops, e.g. across a server crash. Keeps every event in order.
import { BETA_HEADERS } from "./fixtures.mjs";

export function followSession(baseURL, apiKey, sessionId, { retryMs = 250 } = {}) {
  const events = [];
  let stopped = false;
  let controller;
  let reconnects = 0;
  /** Why and when each connection ended (for the report when a stream drops). */
  const drops = [];
  const lastId = () => events[events.length - 1]?.id;
  /** Resolves once the first connection is open: the server subscribed it before answering, so nothing after is missed. */
  let markConnected;
  const connected = new Promise((resolve) => (markConnected = resolve));

  const loop = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const after = lastId();
        const url = `${baseURL}/v1/sessions/${sessionId}/events/stream${after ? `?after_id=${after}` : ""}`;
        const res = await fetch(url, { headers: { "x-api-key": apiKey, ...BETA_HEADERS }, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
        markConnected();
        const decoder = new TextDecoder();
        let buffer = "";
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk, { stream: true });
          let cut;
          while ((cut = buffer.indexOf("\n\n")) !== -1) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = frame
              .split("\n")
              .filter((l) => l.startsWith("data:"))
              .map((l) => l.slice(5).trim())
              .join("\n");
            const hasId = frame.split("\n").some((l) => l.startsWith("id:"));
            // Only stored events carry an id (previews do not); those are what the log holds.
            if (data && hasId) events.push(JSON.parse(data));
          }
        }
        if (!stopped) drops.push({ at: new Date().toISOString(), why: "stream ended" });
      } catch (err) {
        // dropped (crash, restart, abort): reconnect from the last id held
        if (!stopped) drops.push({ at: new Date().toISOString(), why: String(err?.cause?.message ?? err?.message ?? err) });
      }
      if (!stopped) {
        reconnects++;
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  };
  const running = loop();
  return {
    events,
    drops,
    connected,
    get reconnects() {
      return reconnects;
    },
    async stop() {
      stopped = true;
      controller?.abort();
      await running;
    },
  };
}
