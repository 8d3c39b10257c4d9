// Types for compatibility.mjs (plain JS so scripts/compatibility.mjs runs under Node without a build step).
export type MethodEntry =
  | { status: "served" }
  | { status: "differs"; how: string }
  | { status: "helper"; test: string }
  | { status: "not_served"; why: string };
export type EventEntry = { status: "produced"; note?: string } | { status: "not_produced"; why: string };
export type ErrorEntry = { status: "raised" } | { status: "never"; why: string };
export declare const METHODS: Record<string, MethodEntry>;
export declare const EVENTS: Record<string, EventEntry>;
export declare const ERRORS: Record<string, ErrorEntry>;
export declare function renderCompatibility(sdkVersion: string): string;
