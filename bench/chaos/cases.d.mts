// Types for cases.mjs, which test/chaos-short.test.ts imports inside workerd.
export declare const BETA: string;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  path: string;
  admin?: boolean;
  hands?: boolean;
  list?: boolean;
  stream?: boolean;
  ungated?: boolean;
  idPaging?: boolean;
  multipart?: "file" | "skill";
  query?: Record<string, string>;
  required?: string[];
  body?: (world: World) => Record<string, unknown>;
}

export interface SendRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  stream?: boolean;
}
export interface SendResponse {
  status: number;
  contentType?: string;
  text: string;
}
export type Send = (request: SendRequest) => Promise<SendResponse>;

export type World = Record<string, string> & { apiKey: string };

export interface Case extends SendRequest {
  index: number;
  route: string;
  kind: string;
  why: string;
}

export interface CaseOutcome {
  index: number;
  route: string;
  kind: string;
  why: string;
  request: string;
  status: number;
  body?: string;
}

export declare const ROUTES: Route[];
export declare function routeKey(method: string, path: string): string;
export declare function createWorld(
  send: Send,
  options: { apiKey: string; workspaceId: string; adminToken?: string; label: string },
): Promise<World>;
export declare function snapshot(send: Send, apiKey: string, options?: { adminToken?: string }): Promise<Record<string, unknown>>;
export declare function diffSnapshots(before: Record<string, unknown>, after: Record<string, unknown>): string[];
export declare function generateCases(options: {
  routes?: Route[];
  worlds: { own: World; other: World };
  count: number;
  seed?: number;
  adminToken?: string;
  hugeEvery?: number;
}): Generator<Case>;
export declare function runCases(
  send: Send,
  cases: Case[],
  options?: { concurrency?: number; onProgress?: (done: number) => void },
): Promise<{ total: number; byStatus: Record<string, number>; serverErrors: CaseOutcome[]; accepted: CaseOutcome[] }>;
export declare function checkIsolation(
  send: Send,
  options: { owner: World; intruder: World; empty: { apiKey: string }; routes?: Route[] },
): Promise<{ failures: string[]; checked: string[] }>;
