import { getSandbox } from "@cloudflare/sandbox";
import type { Env } from "../../env";

/**
 * Measurement hooks for bench/containers.mjs, served only by the container-mode entry point and only in the
 * harness (HANDS_TEST_HOOKS=1, with the admin token): a bare `sandbox.exec` round trip from the Worker, the
 * reference the bash tool's cost is compared with, and a sandbox's idle snapshot on demand.
 */
export async function benchHook(request: Request, env: Env): Promise<Response | null> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith("/_hands/containers/")) return null;
  if (env.HANDS_TEST_HOOKS !== "1" || !env.ADMIN_TOKEN || request.headers.get("authorization") !== `Bearer ${env.ADMIN_TOKEN}`) {
    return new Response("not found", { status: 404 });
  }
  if (url.pathname === "/_hands/containers/exec") {
    const samples = Math.min(200, Number(url.searchParams.get("samples") ?? 30));
    const sandbox = getSandbox(env.SANDBOX_CONTAINERS!, "bench-bare-exec");
    const coldStarted = Date.now();
    await sandbox.exec("true");
    const cold = Date.now() - coldStarted;
    const warm: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = Date.now();
      await sandbox.exec(`echo ${i}`);
      warm.push(Date.now() - started);
    }
    await sandbox.destroy();
    return Response.json({ cold, warm });
  }
  if (url.pathname === "/_hands/containers/snapshot") {
    const sessionId = url.searchParams.get("session") ?? "";
    const started = Date.now();
    const handle = await env.SANDBOXES.get(env.SANDBOXES.idFromName(sessionId)).snapshot();
    const ms = Date.now() - started;
    const object = handle?.backend === "container" ? await env.BACKUP_BUCKET?.head(`backups/${handle.id}/data.sqsh`) : null;
    return Response.json({ ms, handle, bytes: object?.size ?? null });
  }
  return new Response("not found", { status: 404 });
}
