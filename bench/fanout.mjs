// 2. Append → subscriber latency: one session, S live subscribers (SSE through the SDK, or our WebSocket),
// an event appended with events.send; the time from issuing the send to each subscriber holding the event.
import { openWs, sdk, tenant } from "./lib/fixtures.mjs";
import { progress, summarize, table } from "./lib/report.mjs";

export async function fanout(stack, { rounds = 30, counts = [1, 10, 100] } = {}) {
  console.log(`\n2. Append → subscriber latency: ${rounds} appends per case, subscribers ${counts.join("/")}, flag --rounds`);
  console.log("  appended event: user.interrupt on an idle session (a pure append: no turn starts, one event per send)");
  const t = await tenant(stack, "fanout");
  const results = [];
  for (const transport of ["sse", "ws"]) {
    for (const count of counts) {
      results.push({ transport, subscribers: count, ...(await measure(stack, t, transport, count, rounds)) });
    }
  }
  const text = table(`Append → subscriber latency (${rounds} appends per row, ms from send issued)`, results.map((r) => ({
    transport: r.transport === "sse" ? "SSE" : "WebSocket",
    subscribers: r.subscribers,
    "p50 (each)": r.each.p50,
    "p99 (each)": r.each.p99,
    "p50 (last)": r.last.p50,
    "p99 (last)": r.last.p99,
    "send ack p50": r.ack.p50,
  })));
  return { rounds, cases: results, table: text };
}

async function measure(stack, t, transport, count, rounds) {
  const session = await t.newSession();
  // arrivals[round][subscriber] = performance.now() when that subscriber got the round's event.
  const arrivals = Array.from({ length: rounds }, () => []);
  const seen = new Array(count).fill(0);
  const received = (i, event, at) => {
    if (event.type !== "user.interrupt") return;
    arrivals[seen[i]++]?.push(at);
  };
  const closers = [];
  // Separate clients so each subscriber is its own connection, as separate viewers would be.
  for (let i = 0; i < count; i++) {
    if (transport === "sse") {
      const client = sdk(stack, t.apiKey);
      const stream = await client.beta.sessions.events.stream(session.id);
      void (async () => {
        try {
          for await (const event of stream) received(i, event, performance.now());
        } catch {
          // closed at the end
        }
      })();
      closers.push(() => stream.controller.abort());
    } else {
      const ws = await openWs(stack, t.apiKey, session.id, (event, at) => received(i, event, at));
      closers.push(ws.close);
    }
  }
  const each = [];
  const last = [];
  const ack = [];
  const bar = progress(`${transport} × ${count}`, rounds);
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    await t.client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    ack.push(performance.now() - started);
    const deadline = Date.now() + 30_000;
    while (arrivals[r].length < count) {
      if (Date.now() > deadline) throw new Error(`${transport} × ${count}: only ${arrivals[r].length} subscribers got append ${r}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    for (const at of arrivals[r]) each.push(at - started);
    last.push(Math.max(...arrivals[r]) - started);
    bar.tick();
  }
  bar.done();
  for (const close of closers) close();
  return { each: summarize(each), last: summarize(last), ack: summarize(ack) };
}
