import type { BashOptions } from "just-bash/browser";

const MiB = 1024 * 1024;

/**
 * just-bash's limits sized for a Worker isolate: 128 MB of memory, shared by every Durable Object the isolate
 * hosts. just-bash's own defaults assume a process with gigabytes (256 MiB of output, 512 MiB of live data,
 * 64 MiB strings), any one of which ends the isolate, and with it every other tenant's objects on it, before a
 * limit trips. Each limit here fails the command with an error the agent reads in its tool result instead.
 *
 * Files are bounded by the filesystem's quota (fs/store.ts: `max_sandbox_bytes`, and 32 MiB per file, since a
 * file is read and written whole). Iteration and command counts keep just-bash's defaults (100,000): they
 * bound CPU, which the bash tool's timeout and the object's CPU limit bound too.
 */
export const SANDBOX_EXECUTION_LIMITS: NonNullable<BashOptions["executionLimits"]> = {
  /** A command line the model writes: 1 MiB is far beyond any real one. */
  maxSourceBytes: 1 * MiB,
  maxHeredocSize: 4 * MiB,
  maxStringLength: 16 * MiB,
  maxArrayElements: 200_000,
  /**
   * What one call may output, redirections into files included (just-bash counts both): the bash tool keeps
   * only the last 100 KiB of what it prints (OUTPUT_LIMIT), and a bigger file is written over several calls.
   */
  maxOutputSize: 32 * MiB,
  /** Intermediate data (pipes, command substitutions) held at once, and input read by one command. */
  maxLiveBytes: 32 * MiB,
  maxInputBytes: 32 * MiB,
  maxArchiveBytes: 64 * MiB,
  maxArchiveCompressedBytes: 32 * MiB,
  maxArchiveEntryBytes: 32 * MiB,
  maxArchiveEntries: 100_000,
  maxDatabaseBytes: 32 * MiB,
  maxDatabaseResultBytes: 8 * MiB,
  maxWorkerMessageBytes: 16 * MiB,
  maxCsvCells: 2_000_000,
  maxQueryElements: 200_000,
  maxCommandCount: 100_000,
  maxLoopIterations: 100_000,
};

/** The most one file may hold: a file is read and written whole, so this bounds a write's memory. */
export const MAX_FILE_BYTES = 32 * MiB;
