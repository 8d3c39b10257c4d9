import { describe, expect, it } from "vitest";
import { call, cloudSession, stack, steps, turn } from "./cloud-session";

const bash = (command: string, extra: Record<string, unknown> = {}) => call("bash", { command, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!stack)("cloud sandboxes on real containers", () => {
  it("runs the toolset in a persistent shell: cwd and exports carry over, /workspace, a real python3", async () => {
    const { api, session } = await cloudSession();
    const { results } = await turn(
      api,
      session.id,
      steps(
        bash("pwd; echo HOME=$HOME; mkdir -p src && cd src && export MODE=real"),
        bash('pwd; echo "$MODE"; python3 -c "print(6*7)"'),
        call("write", { file_path: "src/app.py", content: "print('hi')\n# TODO: more\n" }),
        call("edit", { file_path: "src/app.py", old_string: "hi", new_string: "hello" }),
        call("read", { file_path: "src/app.py" }),
        call("glob", { pattern: "**/*.py" }),
        call("grep", { pattern: "TODO" }),
      ),
    );
    expect(results.map((r) => r.isError)).toEqual([false, false, false, false, false, false, false]);
    // HOME is not the workspace: caches never land in a snapshot.
    expect(results[0].text).toBe("/workspace\nHOME=/root");
    expect(results[1].text).toBe("/workspace/src\nreal\n42");
    expect(results[4].text).toContain("print('hello')");
    expect(results[5].text).toBe("/workspace/src/app.py");
    expect(results[6].text).toBe("/workspace/src/app.py:2:# TODO: more");
  });

  it("reports exit codes, replaces a shell that exits or times out (workdir and placeholders back), lists symlinks", async () => {
    const { api, session } = await cloudSession();
    const { results } = await turn(
      api,
      session.id,
      steps(
        bash("echo out; false"),
        bash("cd /tmp && export GONE=1"),
        bash("exit 3"),
        bash('pwd; echo "${GONE:-unset}"'),
        bash("cd /tmp"),
        bash("sleep 30", { timeout_ms: 1500 }),
        bash("pwd"),
        bash("mkdir -p real && echo needle > real/n.txt && ln -s real/n.txt link.txt"),
        call("glob", { pattern: "*.txt" }),
        call("grep", { pattern: "needle" }),
      ),
    );
    expect(results[0]).toMatchObject({ isError: true, text: "out" });
    expect(results[2]).toMatchObject({ isError: true, text: "bash: bash session terminated" });
    expect(results[3]).toMatchObject({ isError: false, text: "/workspace\nunset" });
    expect(results[5]).toMatchObject({ isError: true, text: "bash: bash command timed out after 1500ms" });
    expect(results[6]).toMatchObject({ isError: false, text: "/workspace" });
    expect(results[8].text).toBe("/workspace/link.txt");
    expect(results[9].text).toBe("/workspace/link.txt:1:needle\n/workspace/real/n.txt:1:needle");
  });

  it("installs the environment's packages on provision", async () => {
    const { api, session } = await cloudSession({ packages: { apt: ["jq"] } });
    const { results } = await turn(api, session.id, bash("echo '{\"a\":[1,2]}' | jq -c '.a | length'"));
    expect(results[0]).toMatchObject({ isError: false, text: "2" });
  });

  it("limited networking: only allowed hosts, over plain HTTP (HTTPS interception needs the real egress sidecar)", async () => {
    const echoHost = new URL(stack!.echoURL).hostname;
    const { api, session } = await cloudSession({ networking: { type: "limited", allowed_hosts: [echoHost] } });
    const code = (url: string) => `curl -s -o /dev/null -w '%{http_code}' --max-time 20 ${url}; echo`;
    const { results } = await turn(
      api,
      session.id,
      steps(bash(code(`${stack!.echoURL}/allowed`)), bash(code("http://deb.debian.org/debian/")), bash(code("http://registry.npmjs.org/"))),
    );
    expect(results.map((r) => r.text)).toEqual(["200", "520", "520"]);
  });

  it("substitutes a credential only for its host, from the vault at request time, and scrubs the echo", async () => {
    const echo = new URL(stack!.echoURL);
    const api0 = (await cloudSession()).api;
    const vault = await api0.beta.vaults.create({ display_name: "ctr" });
    const [first, second] = [`sk-first-${crypto.randomUUID()}`, `sk-second-${crypto.randomUUID()}`];
    const credential = await api0.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: "environment_variable",
        secret_name: "API_TOKEN",
        secret_value: first,
        networking: { type: "limited", allowed_hosts: [echo.hostname] },
        injection_location: { header: true, body: true },
      },
    } as never);
    const { api, session } = await cloudSession({}, [vault.id]);
    const placeholder = `ma_placeholder_${credential.id}`;
    const send = (path: string) => bash(`curl -s --max-time 20 -H "Authorization: Bearer $API_TOKEN" -d "t=$API_TOKEN" ${stack!.echoURL}${path}`);
    const seen = async () => (await (await fetch(`${stack!.echoURL}/_seen`)).json()) as Array<{ url: string; headers: Record<string, string>; body: string }>;

    const before = await turn(api, session.id, steps(bash('echo "$API_TOKEN"'), send(`/one-${session.id}`)));
    expect(before.results[0].text).toBe(placeholder);
    const one = (await seen()).find((r) => r.url === `/one-${session.id}`)!;
    expect(one.headers.authorization).toBe(`Bearer ${first}`);
    expect(one.body).toBe(`t=${first}`);
    // The echo came back with the placeholder, never the secret.
    expect(before.results[1].text).toContain(placeholder);
    expect(before.results[1].text).not.toContain(first);

    await api.beta.vaults.credentials.update(credential.id, { vault_id: vault.id, auth: { type: "environment_variable", secret_value: second } } as never);
    await turn(api, session.id, send(`/two-${session.id}`));
    expect((await seen()).find((r) => r.url === `/two-${session.id}`)!.headers.authorization).toBe(`Bearer ${second}`);
  });

  it("keeps the workspace across the container's destruction: idle snapshot, then restore on the next tool use", async () => {
    const { api, session } = await cloudSession();
    // /tmp is outside the workspace: it tells a new container from the old one.
    await turn(api, session.id, bash("mkdir -p keep && echo kept > keep/a.txt && head -c 1048576 /dev/urandom > keep/blob && sha256sum keep/blob > keep/sum && touch /tmp/old-container"));
    // Idle past the snapshot time: the workspace goes to R2 and the container is destroyed.
    await sleep(stack!.idleSnapshotMs + 15_000);
    const { results } = await turn(api, session.id, bash("cat keep/a.txt && sha256sum -c keep/sum && ls /tmp/old-container 2>&1 | grep -c 'No such'"));
    expect(results[0]).toMatchObject({ isError: false, text: "kept\nkeep/blob: OK\n1" });
  });
});
