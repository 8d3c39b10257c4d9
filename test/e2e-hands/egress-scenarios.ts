import { expect } from "vitest";
import { agentVisibleText, bash, runTurn } from "./driver";
import { echoURL, seenRequests } from "./backends";
import { newSession, unique, type Run } from "./sessions";

export function limitedNetworking(scheme: "http" | "https"): Run {
  return async (hands) => {
    const tag = `limited-${scheme}-${unique()}`;
    // The other host answers, so a refusal below is the policy's, not a dead address's.
    await fetch(echoURL(hands, "http", "other", `/probe/${tag}`));
    const sessionId = await newSession(hands, { config: { networking: { type: "limited", allowed_hosts: [hands.hosts.allowed] } } });
    const [allowed, blocked] = await runTurn(hands.client, sessionId, [
      [bash(`curl -s ${echoURL(hands, scheme, "allowed", `/t/${tag}/allowed`)}; echo " rc=$?"`)],
      [bash(`curl -s ${echoURL(hands, scheme, "other", `/t/${tag}/blocked`)}; echo " rc=$?"`)],
    ]);
    expect(allowed).toMatchObject({ isError: false, text: expect.stringMatching(new RegExp(`^echo ${scheme} GET /t/${tag}/allowed\\n[\\s\\S]* rc=0$`)) });
    // Refused at the egress (curl fails, or the egress answers for the host): the host itself never answers.
    expect(blocked.text).not.toContain(`echo ${scheme} GET /t/${tag}/blocked`);
    expect((await seenRequests(`/t/${tag}/`)).map((r) => `${r.scheme} ${r.path}`)).toEqual([`${scheme} /t/${tag}/allowed`]);
  };
}

function base64(text: string) {
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function credential(scheme: "http" | "https"): Run {
  return async (hands) => {
    const tag = `cred-${scheme}-${unique()}`;
    // Characters that make the raw, base64 and URL-encoded forms all differ.
    const secret = `sk-conf-${crypto.randomUUID()}+/=`;
    const vault = await hands.client.beta.vaults.create({ display_name: tag });
    await hands.client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: "environment_variable",
        secret_name: "API_TOKEN",
        secret_value: secret,
        networking: { type: "limited", allowed_hosts: [hands.hosts.allowed] },
        injection_location: { header: true, body: true },
      },
    } as never);
    const sessionId = await newSession(hands, { config: { networking: { type: "unrestricted" } }, vaultIds: [vault.id] });
    const auth = '-H "Authorization: Bearer $API_TOKEN"';
    const [env, calls] = await runTurn(hands.client, sessionId, [
      [bash('echo "env=$API_TOKEN"')],
      [
        bash(
          [
            // -i: the echo host also reflects the secret in a response header.
            `curl -s -i ${auth} -d "token=$API_TOKEN" ${echoURL(hands, scheme, "allowed", `/t/${tag}/allowed`)}`,
            "echo",
            `curl -s ${auth} ${echoURL(hands, scheme, "other", `/t/${tag}/other`)}`,
          ].join("; "),
        ),
      ],
    ]);
    const placeholder = env.text.replace(/^env=/, "");
    expect(placeholder).not.toBe("");
    expect(placeholder).not.toContain(secret);

    // The allowed host got the secret, in the header and the body; the other host the placeholder.
    const seen = await seenRequests(`/t/${tag}/`);
    expect(seen.map((r) => ({ path: r.path, authorization: r.headers.authorization, body: r.body }))).toEqual([
      { path: `/t/${tag}/allowed`, authorization: `Bearer ${secret}`, body: `token=${secret}` },
      { path: `/t/${tag}/other`, authorization: `Bearer ${placeholder}`, body: "" },
    ]);
    expect(calls.isError).toBe(false);
    expect(calls.text).toContain(`echo ${scheme} POST /t/${tag}/allowed`);

    // Nothing the agent saw holds the secret in any form the echo host sent it back in.
    const seenByAgent = await agentVisibleText(hands.client, sessionId);
    for (const form of [secret, base64(secret), base64(secret).replace(/=+$/, ""), encodeURIComponent(secret)]) {
      expect(seenByAgent).not.toContain(form);
    }
  };
}
