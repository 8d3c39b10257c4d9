import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";
import { database } from "../../src/db/client";
import { runDeployment } from "../../src/deployments/run";
import { type FirePlan, isSchedulable, planNextFire } from "../../src/deployments/schedule";
import { getDeploymentRow } from "../../src/deployments/store";
import { newId } from "../../src/lib/ids";

interface Identity {
  workspaceId: string;
  deploymentId: string;
}

/** The fire in progress: its run id is reused by every retry of the same instant. */
interface Firing {
  scheduledAt: number;
  runId: string;
  attempts: number;
  done: boolean;
}

const MAX_FIRE_ATTEMPTS = 5;
const FIRE_RETRY_MS = 15_000;

/**
 * One per deployment: fires its cron schedule with a Durable Object alarm.
 *
 * Why alarms rather than Cron Triggers: every deployment has its own expression and timezone,
 * and can be paused, unpaused, edited or archived at any moment. A Cron Trigger is one global
 * schedule per Worker; it would have to wake every minute, scan every deployment of every
 * workspace and fan the due ones out, paying for the scan whether or not anything is due and
 * growing with the number of tenants. An alarm per deployment wakes only when that deployment
 * is due, is moved or cleared by the write that changes it, and is retried by the platform
 * if a fire throws.
 *
 * The D1 row is the source of truth: `sync` (called after every write) and each alarm re-read
 * it, so this object only keeps the plan for the next fire. Each scheduled instant fires once:
 * its run id is chosen here before the session is started and reused if the fire has to be
 * retried (the session plane can deduplicate on it), and `deployment_runs` has a unique index
 * on (deployment, instant) besides. A fire missed while the Worker was down runs once, late,
 * then the schedule resumes from now (no catch-up burst).
 */
export class DeploymentScheduler extends DurableObject<Env> {
  /** Re-reads the deployment and sets, keeps or clears the alarm to match it. */
  async sync(workspaceId: string, deploymentId: string): Promise<void> {
    await this.ctx.storage.put<Identity>("identity", { workspaceId, deploymentId });
    const row = await getDeploymentRow(database(this.env.DB), workspaceId, deploymentId);
    const current = await this.ctx.storage.get<FirePlan>("plan");
    // A plan exists only while its alarm is pending. An unchanged schedule keeps it, so a write
    // that does not touch the schedule (even inside the jitter window) cannot skip or repeat a fire.
    const keep =
      current && isSchedulable(row) && current.expression === row.schedule.expression && current.timezone === row.schedule.timezone;
    await this.arm(keep ? current : planNextFire(row, Date.now()));
  }

  /** What the alarm will do next, for inspection. */
  async plan(): Promise<FirePlan | null> {
    return (await this.ctx.storage.get<FirePlan>("plan")) ?? null;
  }

  async alarm(): Promise<void> {
    const identity = await this.ctx.storage.get<Identity>("identity");
    const plan = await this.ctx.storage.get<FirePlan>("plan");
    if (!identity || !plan) return;
    const row = await getDeploymentRow(database(this.env.DB), identity.workspaceId, identity.deploymentId);
    if (!isSchedulable(row) || row.schedule.expression !== plan.expression || row.schedule.timezone !== plan.timezone) {
      // Paused, archived or rescheduled without our hearing of it: follow the row.
      await this.arm(planNextFire(row, Date.now()));
      return;
    }
    // Fires the instant this alarm was armed for, even if it went off early, and completes it once.
    const firing = await this.ctx.storage.get<Firing>("firing");
    if (firing?.scheduledAt !== plan.scheduledAt || !firing.done) {
      const current: Firing =
        firing?.scheduledAt === plan.scheduledAt ? firing : { scheduledAt: plan.scheduledAt, runId: newId("drun"), attempts: 0, done: false };
      current.attempts++;
      await this.ctx.storage.put("firing", current);
      try {
        await runDeployment(this.env, this.ctx, row, {
          type: "schedule",
          scheduledAt: new Date(plan.scheduledAt).toISOString(),
          runId: current.runId,
        });
      } catch (err) {
        // Infrastructure trouble (D1, the session plane throwing past its own handling): retry this
        // instant with the same run id a few times, then move on rather than let the schedule die.
        console.error(JSON.stringify({ level: "error", msg: "deployment fire failed", deployment_id: row.id, attempt: current.attempts, error: String(err) }));
        if (current.attempts < MAX_FIRE_ATTEMPTS) {
          await this.ctx.storage.setAlarm(Date.now() + FIRE_RETRY_MS * 2 ** (current.attempts - 1));
          return;
        }
      }
      await this.ctx.storage.put("firing", { ...current, done: true });
    }
    // The run may have paused the deployment: plan from the row as it is now.
    const after = await getDeploymentRow(database(this.env.DB), identity.workspaceId, identity.deploymentId);
    await this.arm(planNextFire(after, Math.max(Date.now(), plan.scheduledAt)));
  }

  private async arm(plan: FirePlan | null | undefined): Promise<void> {
    if (!plan) {
      await this.ctx.storage.delete("plan");
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.put("plan", plan);
    if ((await this.ctx.storage.getAlarm()) !== plan.fireAt) await this.ctx.storage.setAlarm(plan.fireAt);
  }
}
