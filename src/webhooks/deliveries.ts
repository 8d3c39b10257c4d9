import { z } from "zod";
import { idPageQuery } from "./page";

/**
 * `pending`: waiting for its next attempt. `succeeded`: the endpoint answered 2xx.
 * `failed`: every attempt failed. `canceled`: the endpoint was disabled or deleted before
 * the event got through (disabled endpoints receive nothing, as the API documents).
 */
export type DeliveryStatus = "pending" | "succeeded" | "failed" | "canceled";

/** One event on its way to one endpoint, as `GET /v1/organizations/webhooks/:id/deliveries` lists it. */
export interface WebhookDeliveryRecord {
  type: "webhook_delivery";
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  created_at: string;
  last_attempt_at: string | null;
  /** When the next attempt is due; null unless `pending`. */
  next_attempt_at: string | null;
  completed_at: string | null;
  /** HTTP status of the last attempt; null when it got no response (network error, timeout). */
  last_status_code: number | null;
  last_error: string | null;
}

/** Our own endpoint (the hosted API has no delivery log), paged like the endpoint list. */
export const deliveryListQuery = idPageQuery.safeExtend({
  status: z.enum(["pending", "succeeded", "failed", "canceled"]).optional(),
});
export type DeliveryListQuery = z.infer<typeof deliveryListQuery>;
