/**
 * Workspace limit defaults for the test and bench stacks (WORKSPACE_DEFAULT_LIMITS): test suites and benchmarks
 * drive one workspace far harder than the production defaults allow, so they run with these, and the limits
 * tests set each limit they check on their own workspace through the admin API.
 */
export const TEST_DEFAULT_LIMITS = JSON.stringify({
  requests_per_minute: 1_000_000,
  write_bytes_per_day: 2 ** 50,
  model_tokens_per_day: 2 ** 50,
  max_sessions: 1_000_000,
  max_active_sessions: 1_000_000,
  max_events_per_session: 1_000_000,
  max_sandbox_bytes: 2 ** 30,
  max_storage_bytes: 2 ** 40,
});
