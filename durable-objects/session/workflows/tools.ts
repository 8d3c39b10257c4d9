import type Anthropic from "@anthropic-ai/sdk";
import { MAX_PHASE_AGENTS, MAX_WORKFLOW_PHASES, MAX_WORKFLOW_RUN_SECONDS, MAX_WORKFLOW_RUN_THREADS } from "./plan";

/**
 * The tools the primary thread's model is offered when its agent may start workflow runs. The brain runs them
 * itself, in the transition of the call (threads.ts `delegate`). This module holds no runtime import of
 * threads.ts, so threads.ts can read the names at load time whichever module loads first.
 */

export const START_WORKFLOW_TOOL = "start_workflow_run";
export const STOP_WORKFLOW_TOOL = "stop_workflow_run";
export const WORKFLOW_STATUS_TOOL = "get_workflow_run";
export const WORKFLOW_TOOL_NAMES = [START_WORKFLOW_TOOL, STOP_WORKFLOW_TOOL, WORKFLOW_STATUS_TOOL];

const agentSchema = {
  description: "A predefined agent's name or, where allowed, an inline agent {name, system, description}.",
  anyOf: [
    { type: "string" },
    { type: "object", properties: { name: { type: "string" }, system: { type: "string" }, description: { type: "string" } }, required: ["name"] },
  ],
};

const runIdSchema = {
  type: "object" as const,
  properties: { workflow_run_id: { type: "string", description: "The id start_workflow_run returned." } },
  required: ["workflow_run_id"],
};

export const WORKFLOW_TOOL_DEFINITIONS: Anthropic.Tool[] = [
  {
    name: START_WORKFLOW_TOOL,
    description:
      "Start a workflow run: background work that carries out a plan of phases in order. A phase is one agent with a task " +
      "(agent + task) or several agents working at the same time, each on its own task (agents: [{agent, task}, ...]); the " +
      "phase ends when all of them have reported. Each agent works in a thread of its own and gets its task and the reports " +
      "of the previous phase. Returns at once with the run's workflow_run_id; the last phase's reports arrive later as a " +
      "message. Agents see nothing of your conversation but their task, so include every path, constraint and the report " +
      `format each needs. Limits: ${MAX_WORKFLOW_PHASES} phases, ${MAX_PHASE_AGENTS} agents per phase, ${MAX_WORKFLOW_RUN_THREADS} ` +
      `agent threads per run, ${MAX_WORKFLOW_RUN_SECONDS} seconds per run.`,
    input_schema: {
      type: "object",
      properties: {
        name: { type: "string", description: "A short name for the run." },
        description: { type: "string" },
        timeout_seconds: { type: "integer", description: `The run's time limit (at most and by default ${MAX_WORKFLOW_RUN_SECONDS}).` },
        phases: {
          type: "array",
          description: `The plan, in order (at most ${MAX_WORKFLOW_PHASES} phases).`,
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              description: { type: "string" },
              agent: agentSchema,
              task: { type: "string" },
              agents: {
                type: "array",
                description: `Instead of agent and task: agents that work in parallel (at most ${MAX_PHASE_AGENTS}).`,
                items: { type: "object", properties: { agent: agentSchema, task: { type: "string" } }, required: ["agent", "task"] },
              },
            },
            required: ["name"],
          },
        },
      },
      required: ["phases"],
    },
  },
  {
    name: STOP_WORKFLOW_TOOL,
    description: "Stop a workflow run you started: its agents stop where they are and it ends with result stopped. Nothing of it is reported.",
    input_schema: runIdSchema,
  },
  {
    name: WORKFLOW_STATUS_TOOL,
    description: "Check on a workflow run you started: whether it is running, idle (its agents wait) or ended, and where each phase is.",
    input_schema: runIdSchema,
  },
];
