import type Anthropic from "@anthropic-ai/sdk";
import { MAX_CONCURRENT_RUN_AGENTS, MAX_PROGRAM_CHARS, MAX_WORKFLOW_PHASES, MAX_WORKFLOW_RUN_AGENTS, MAX_WORKFLOW_RUN_SECONDS } from "./plan";

/**
 * The tools the primary thread's model is offered when its agent may start workflow runs. The brain runs them
 * itself, in the transition of the call (thread-delegation.ts `delegate`). This module holds no runtime import of
 * the thread modules, so they can read the names at load time whichever module loads first.
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
      "Start a workflow run: background work that runs a program you write. The program is the body of an async JavaScript " +
      "function. `await agent({name, task})` runs a predefined agent (or an inline one: {name, system, description, task}) in a " +
      "thread of its own and returns its final report as a string; `await phase(name, async () => ...)` groups work into a " +
      "named phase; `Promise.all` runs agents at the same time; loops, branches and combining results are ordinary JavaScript " +
      "(no I/O, no timers; Date and Math.random are fixed per run). What it returns is the run's result, which arrives later " +
      "as a message. Example: `const found = await phase(\"Read\", () => Promise.all(files.map((f) => agent({name: \"Reader\", " +
      "task: \"Summarize \" + f})))); return await agent({name: \"Judge\", task: found.join(\"\\n\")});`. Returns at once with " +
      "the run's workflow_run_id. Agents see nothing of your conversation but their task, so include every path, constraint " +
      `and the report format each needs. Limits: ${MAX_PROGRAM_CHARS} characters of program, ${MAX_WORKFLOW_RUN_AGENTS} agent ` +
      `calls per run, ${MAX_CONCURRENT_RUN_AGENTS} working at once (more wait), ${MAX_WORKFLOW_RUN_SECONDS} seconds per run; a ` +
      "program that throws, loops forever or uses too much memory ends the run with program_error. Instead of a program, " +
      "`phases` alone may list phases run in order, each {name, agent, task} or {name, agents: [{agent, task}]}, each phase " +
      "getting the previous phase's reports.",
    input_schema: {
      type: "object",
      properties: {
        name: { type: "string", description: "A short name for the run." },
        description: { type: "string" },
        timeout_seconds: { type: "integer", description: `The run's time limit (at most and by default ${MAX_WORKFLOW_RUN_SECONDS}).` },
        program: { type: "string", description: "The workflow: the body of an async JavaScript function using agent() and phase()." },
        phases: {
          type: "array",
          description: `With a program: the phases it will enter, {name, description}, announced up front. Without: the plan, in order (at most ${MAX_WORKFLOW_PHASES} phases).`,
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              description: { type: "string" },
              agent: agentSchema,
              task: { type: "string" },
              agents: {
                type: "array",
                description: "Instead of agent and task: agents that work in parallel.",
                items: { type: "object", properties: { agent: agentSchema, task: { type: "string" } }, required: ["agent", "task"] },
              },
            },
            required: ["name"],
          },
        },
      },
    },
  },
  {
    name: STOP_WORKFLOW_TOOL,
    description: "Stop a workflow run you started: its agents stop where they are and it ends with result stopped. Nothing of it is reported.",
    input_schema: runIdSchema,
  },
  {
    name: WORKFLOW_STATUS_TOOL,
    description: "Check on a workflow run you started: whether it is running, idle (its agents wait) or ended, where each phase is, and how many agents it called.",
    input_schema: runIdSchema,
  },
];
