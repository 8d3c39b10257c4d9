/** Where a local development server answers (`wrangler dev`): the only hosts plain http is accepted for. */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The URL, if it is absolute and https (or plain http to a local development server), else null. For URLs that
 * secrets or events are sent to, which must not cross the network in clear.
 */
export function parseHttpsUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname)) ? url : null;
  } catch {
    return null;
  }
}
