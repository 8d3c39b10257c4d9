// A line diff (longest common subsequence) between two texts: small agent configurations, so O(n·m) is fine.

/**
 * @param {string} before @param {string} after
 * @returns {{ kind: "same" | "added" | "removed", line: string }[]}
 */
export function diffLines(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  // lcs[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  /** @type {{ kind: "same" | "added" | "removed", line: string }[]} */
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) out.push({ kind: "same", line: a[i++] }), j++;
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: "removed", line: a[i++] });
    else out.push({ kind: "added", line: b[j++] });
  }
  while (i < a.length) out.push({ kind: "removed", line: a[i++] });
  while (j < b.length) out.push({ kind: "added", line: b[j++] });
  return out;
}
