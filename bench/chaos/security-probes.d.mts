// Types for security-probes.mjs, which test/chaos-short.test.ts imports inside workerd.
import type { Send, SendResponse } from "./cases.mjs";

export interface Finding {
  probe: string;
  /** The branch whose fix the probe waits for. */
  owner: "sec-hardening" | "sec-boundary" | "quotas";
  detail: string;
}
export interface ProbeResult {
  findings: Finding[];
  checked: number;
  ms?: number;
}
type Probe<Extra = {}> = (send: Send, options: { apiKey: string } & Extra) => Promise<ProbeResult>;

export declare const AUTO_BYPASSES: string[];
export declare const DEFAULT_SIZES: number[];
export declare const probeHostileTools: Probe<{ budgetMs?: number }>;
export declare const probeHostileUpload: Probe<{ budgetMs?: number }>;
export declare const probeAutoPermission: Probe;
export declare const probeHandsToken: Probe;
export declare const probeSizes: Probe<{
  sizes?: number[];
  sendSized: ((sessionId: string, size: number, chunked: boolean) => Promise<SendResponse>) & { chunking?: boolean };
}>;
export declare const probeOutbound: Probe<{ targets: string[]; blocked?: string[]; marker: string; hits: () => string[] }>;
export declare const probeQuotas: Probe<{ writeMiB?: number; burst?: number }>;
