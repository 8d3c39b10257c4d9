import { expect } from "vitest";
import { toFile } from "@anthropic-ai/sdk";
import { agentVisibleText, bash, runTurn, tool } from "./driver";
import { registerRepository, seenRequests, type Hands, type Scenario } from "./backends";
import { credential, limitedNetworking } from "./egress-scenarios";
import { memoryStores } from "./memory-scenarios";
import { newSession, sharedSession, unique, type Run } from "./sessions";

async function bashState(hands: Hands) {
  const dir = `state-${unique()}`;
  const [setUp, check] = await runTurn(hands.client, await sharedSession(hands), [
    [bash(`mkdir -p ${dir} && cd ${dir} && export CONFORMANCE_VAR=kept-${dir}`)],
    [bash(`pwd; echo "$CONFORMANCE_VAR"; cd ${hands.workdir}`)],
  ]);
  expect(setUp).toMatchObject({ isError: false, text: "(no output)" });
  expect(check).toMatchObject({ isError: false, text: `${hands.workdir}/${dir}\nkept-${dir}` });
}

async function fileTools(hands: Hands) {
  const dir = `notes-${unique()}`;
  const results = await runTurn(hands.client, await sharedSession(hands), [
    [tool("write", { file_path: `${dir}/a.txt`, content: "alpha\nbeta\n" })],
    [tool("read", { file_path: `${dir}/a.txt` })],
    [tool("edit", { file_path: `${dir}/a.txt`, old_string: "beta", new_string: "gamma" })],
    [tool("read", { file_path: `${dir}/a.txt`, view_range: [2, 2] })],
    [tool("write", { file_path: `${dir}/deeper/b.md`, content: "gamma ray\n" })],
    [tool("grep", { pattern: "gam+a", path: dir })],
    [tool("edit", { file_path: `${dir}/a.txt`, old_string: "delta", new_string: "x" })],
    [tool("read", { file_path: "../outside.txt" })],
  ]);
  const abs = `${hands.workdir}/${dir}`;
  expect(results.map(({ isError, text }) => ({ isError, text }))).toEqual([
    { isError: false, text: `wrote 11 bytes to ${dir}/a.txt` },
    { isError: false, text: "alpha\nbeta\n" },
    { isError: false, text: `edited ${dir}/a.txt (1 replacement(s))` },
    { isError: false, text: "gamma" },
    { isError: false, text: `wrote 10 bytes to ${dir}/deeper/b.md` },
    { isError: false, text: `${abs}/a.txt:2:gamma\n${abs}/deeper/b.md:1:gamma ray` },
    { isError: true, text: `edit: old_string not found in ${dir}/a.txt` },
    { isError: true, text: expect.stringContaining("outside") },
  ]);
}

async function glob(hands: Hands) {
  const dir = `tree-${unique()}`;
  const results = await runTurn(hands.client, await sharedSession(hands), [
    [bash(`mkdir -p ${dir}/src/deep && touch ${dir}/top.txt ${dir}/src/a.ts ${dir}/src/deep/b.ts ${dir}/src/c.md`)],
    [tool("glob", { pattern: "**/*.ts", path: dir })],
    [tool("glob", { pattern: `${dir}/*.txt` })],
    [tool("glob", { pattern: "*.nothing", path: dir })],
  ]);
  const abs = `${hands.workdir}/${dir}`;
  expect(results[0].isError).toBe(false);
  expect(results[1].isError).toBe(false);
  expect(results[1].text.split("\n").sort()).toEqual([`${abs}/src/a.ts`, `${abs}/src/deep/b.ts`]);
  expect(results[2]).toMatchObject({ isError: false, text: `${abs}/top.txt` });
  expect(results[3]).toMatchObject({ isError: false, text: "no matches" });
}

async function exitCodes(hands: Hands) {
  const results = await runTurn(hands.client, await sharedSession(hands), [
    [bash("echo to-stdout; echo to-stderr >&2; (exit 3)")],
    [bash("(exit 7)")],
    [bash("false || echo recovered")],
    [bash("exit 4")],
    [bash("echo after-exit")],
  ]);
  expect(results[0]).toMatchObject({ isError: true, text: "to-stdout\nto-stderr" });
  expect(results[1]).toMatchObject({ isError: true, text: "exit 7" });
  expect(results[2]).toMatchObject({ isError: false, text: "recovered" });
  // `exit` at the top level ends the shell itself: an error, whatever words the backend has for it...
  expect(results[3].isError).toBe(true);
  // ...and the next call still gets a shell.
  expect(results[4]).toMatchObject({ isError: false, text: "after-exit" });
}

async function timeout(hands: Hands) {
  // Its own session: a backend that never cuts the command off must fail this scenario only, not wedge the shared one.
  const [cut, next] = await runTurn(hands.client, await newSession(hands), [[bash("sleep 20", { timeout_ms: 1000 })], [bash("echo alive")]]);
  expect(cut).toMatchObject({ isError: true, text: expect.stringContaining("timed out after 1000ms") });
  expect(next).toMatchObject({ isError: false, text: "alive" });
}

async function truncation(hands: Hands) {
  const [result] = await runTurn(hands.client, await sharedSession(hands), [[bash("seq 1 40000")]]);
  expect(result.isError).toBe(false);
  expect(result.text.startsWith("[output truncated]\n")).toBe(true);
  expect(result.text.endsWith("\n39999\n40000")).toBe(true);
  // The last 100 KiB the shell wrote (a few bytes of it may be the backend's own framing).
  expect(result.text.length).toBeLessThanOrEqual("[output truncated]\n".length + 100 * 1024);
  expect(result.text.length).toBeGreaterThan(100 * 1024 - 200);
}

async function snapshotRestore(hands: Hands) {
  const sessionId = await newSession(hands);
  const marker = `kept-${unique()}`;
  const [written] = await runTurn(hands.client, sessionId, [[bash(`mkdir -p keep && echo ${marker} > keep/file.txt && cd keep && export SNAP_MARK=set`)]]);
  expect(written.isError).toBe(false);

  await hands.destroySandbox(sessionId);

  const [shell, read] = await runTurn(hands.client, sessionId, [
    [bash(`cat ${hands.workdir}/keep/file.txt; echo "mark=\${SNAP_MARK:-unset}"; pwd`)],
    [tool("read", { file_path: "keep/file.txt" })],
  ]);
  // The file came back; the shell is a new one (its variable and cwd are gone), so the sandbox really was replaced.
  expect(shell).toMatchObject({ isError: false, text: `${marker}\nmark=unset\n${hands.workdir}` });
  expect(read).toMatchObject({ isError: false, text: `${marker}\n` });
}

async function fileResource(hands: Hands) {
  const upload = async (text: string) =>
    hands.client.beta.files.upload({ file: await toFile(new TextEncoder().encode(text), "data.txt", { type: "text/plain" }) });
  const first = await upload(`first-${unique()}\n`);
  // A mount path resolves under /mnt/session/uploads, as Anthropic's "Adding files" docs read it.
  const sessionId = await newSession(hands, { resources: [{ type: "file", file_id: first.id, mount_path: "/inputs/data.txt" }] });
  const [mounted] = await runTurn(hands.client, sessionId, [[bash("cat /mnt/session/uploads/inputs/data.txt")]]);
  const firstText = await (await hands.client.beta.files.download(first.id)).text();
  expect(mounted).toMatchObject({ isError: false, text: firstText.trimEnd() });

  // Added mid-session, at the default mount path: there on the next tool use.
  const second = await upload(`second-${unique()}\n`);
  await hands.client.beta.sessions.resources.add(sessionId, { type: "file", file_id: second.id });
  const [later] = await runTurn(hands.client, sessionId, [[bash(`cat /mnt/session/uploads/${second.id}`)]]);
  expect(later).toMatchObject({ isError: false, text: (await (await hands.client.beta.files.download(second.id)).text()).trimEnd() });
}

async function githubResource(hands: Hands) {
  const name = `conf-${unique()}`;
  const token = `ghp_${unique()}${unique()}`;
  await registerRepository("acme", name, { files: { "README.md": "# conformance\n", "src/main.txt": `needle-${name}\n` }, token });
  const sessionId = await newSession(hands, {
    resources: [{ type: "github_repository", url: `https://github.com/acme/${name}`, authorization_token: token, checkout: { type: "branch", name: "main" } }],
  });
  const root = `${hands.workdir}/${name}`;
  const [listing, found] = await runTurn(hands.client, sessionId, [
    [bash(`cat ${root}/README.md; ls ${root}/src; test -e ${root}/.git && echo has-git || echo no-git; env | grep -c ghp_ || true`)],
    [tool("grep", { pattern: "needle-", path: name })],
  ]);
  expect(listing).toMatchObject({ isError: false, text: "# conformance\nmain.txt\nno-git\n0" });
  expect(found).toMatchObject({ isError: false, text: `${root}/src/main.txt:1:needle-${name}` });
  // The token went to the API host only: not to the download host, not to the agent.
  const seen = await seenRequests(name);
  expect(seen.map((r) => [r.path.split("/")[1], r.headers.authorization ?? null])).toEqual([
    ["repos", `Bearer ${token}`],
    ["codeload", null],
  ]);
  expect(await agentVisibleText(hands.client, sessionId)).not.toContain(token);
}

async function python(hands: Hands) {
  const [result] = await runTurn(hands.client, await sharedSession(hands), [[bash(`python3 -c "print(6 * 7)"`)]]);
  expect(result).toMatchObject({ isError: false, text: "42" });
}

/** The isolate's documented answer to native binaries: just-bash simulates a shell, so there is no python3. */
async function noPython(hands: Hands) {
  const [result] = await runTurn(hands.client, await sharedSession(hands), [[bash(`python3 -c "print(6 * 7)"`)]]);
  expect(result).toMatchObject({ isError: true, text: expect.stringContaining("python3") });
  expect(result.text).not.toContain("42");
}

const PACKAGE = "left-pad@1.3.0";

async function packages(hands: Hands) {
  const sessionId = await newSession(hands, { config: { networking: { type: "unrestricted" }, packages: { npm: [PACKAGE] } } });
  const [installed] = await runTurn(hands.client, sessionId, [[bash("npm ls --global --depth=0")]]);
  expect(installed).toMatchObject({ isError: false, text: expect.stringContaining(PACKAGE) });
}

/** The isolate's documented answer to `packages`: nothing installed, and a file saying so. */
async function packagesListedAsNotInstalled(hands: Hands) {
  const sessionId = await newSession(hands, { config: { networking: { type: "unrestricted" }, packages: { npm: [PACKAGE] } } });
  const [listed, npm] = await runTurn(hands.client, sessionId, [[bash("cat /tmp/PACKAGES-NOT-INSTALLED.txt")], [bash("npm --version")]]);
  expect(listed).toMatchObject({ isError: false, text: expect.stringContaining(`npm: ${PACKAGE}`) });
  expect(npm.isError).toBe(true);
}

/** Each scenario's run; `documented` ones assert a backend's documented fallback instead. */
export const RUNS: Record<Scenario, Run> = {
  "bash-state": bashState,
  "file-tools": fileTools,
  glob,
  "exit-codes": exitCodes,
  timeout,
  truncation,
  python,
  "snapshot-restore": snapshotRestore,
  "file-resource": fileResource,
  "github-resource": githubResource,
  "memory-store": memoryStores,
  packages,
  "limited-http": limitedNetworking("http"),
  "limited-https": limitedNetworking("https"),
  "credential-http": credential("http"),
  "credential-https": credential("https"),
};

export const DOCUMENTED: Partial<Record<Scenario, Run>> = {
  python: noPython,
  packages: packagesListedAsNotInstalled,
};
