/** See test-limits.mjs. */
export declare const TEST_DEFAULT_LIMITS: string;
