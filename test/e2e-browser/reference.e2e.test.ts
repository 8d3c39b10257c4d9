import { chromium } from "playwright-core";
import { describe, expect, inject, it } from "vitest";

const executablePath = inject("chromium");

describe.skipIf(!executablePath)("the API reference page in a real browser", () => {
  it("renders /openapi.json with the locally served Swagger UI: no errors, no request off this origin", async () => {
    const baseURL = inject("baseURL");
    const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(String(err)));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("request", (request) => {
        if (!request.url().startsWith(baseURL)) problems.push(`request off this origin: ${request.url()}`);
      });
      await page.goto(`${baseURL}/reference/`);
      await expect.poll(() => page.locator("h1.title").textContent(), { timeout: 30_000 }).toContain("Managed Agents API");
      await page.locator("h3#operations-tag-sessions").click();
      await expect.poll(() => page.locator(".opblock-tag-section:has(#operations-tag-sessions) .opblock").count(), { timeout: 10_000 }).toBeGreaterThan(15);
      await page.screenshot({ path: `${inject("artifacts")}/reference.png` });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
