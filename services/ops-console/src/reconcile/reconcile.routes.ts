import { Type } from 'typebox';
import { reconcileCustomers, repairMismatches, RepublishNotConfirmedError, type CustomerComparison, type ReconcileDatabases, type RepairOutcome } from '@orders/operations';
import { errorBody, errorResponses, type HttpApp } from '@orders/service-kit/http';
import type { AuditEntry } from '../audit/audit-log.js';
import type { ConsoleBroker } from '../broker/console-broker.js';
import { connectedBroker, isRefusal } from '../http/answer-operation.js';
import { MismatchSchema, RepairSelectorSchema } from '../http/console.schemas.js';

const security = [{ consoleBasic: [] }];

const toMismatch = (c: CustomerComparison) => ({
  customer_id: c.customerId,
  orders_stored: c.orders,
  orders_count: c.ordersCount,
  applied_events: c.applied,
});

function toRepairJson(outcome: RepairOutcome) {
  switch (outcome.kind) {
    case 'not_repairable':
      return { customer_id: outcome.customerId, outcome: outcome.kind, republished_order_ids: [] };
    case 'ambiguous':
      return { customer_id: outcome.customerId, outcome: outcome.kind, republished_order_ids: [], unapplied: outcome.unapplied, deficit: outcome.deficit };
    case 'republished':
      return {
        customer_id: outcome.customerId,
        outcome: outcome.kind,
        republished_order_ids: outcome.orderIds,
        orders_without_event: outcome.withoutEvent,
        older_than_window: outcome.olderThanWindow,
      };
  }
}

export function registerReconcileRoutes(
  app: HttpApp,
  deps: { databases: ReconcileDatabases; broker: ConsoleBroker; settleMs: number; windowDays: number; audit: (entry: AuditEntry) => void },
): void {
  app.get(
    '/api/reconcile',
    {
      schema: {
        tags: ['reconcile'],
        operationId: 'reconcile',
        summary: "Compare every customer's stored orders with its orders_count and applied events",
        security,
        response: {
          200: Type.Object({ customers_checked: Type.Integer(), mismatches: Type.Array(MismatchSchema) }),
          ...errorResponses(401, 503),
        },
      },
    },
    async (request) => {
      const report = await reconcileCustomers(deps.databases, deps.settleMs);
      deps.audit({ action: 'reconcile.run', target: 'all customers', outcome: { checked: report.customersChecked, mismatches: report.mismatches.length }, from: request.ip });
      return { customers_checked: report.customersChecked, mismatches: report.mismatches.map(toMismatch) };
    },
  );

  app.post(
    '/api/reconcile/repair',
    {
      schema: {
        tags: ['reconcile'],
        operationId: 'repairMismatches',
        summary: 'Re-publish the stored events of orders never applied, for the selected mismatched customers',
        security,
        body: RepairSelectorSchema,
        response: {
          200: Type.Object({
            republished: Type.Integer(),
            customers: Type.Array(Type.Object({ customer_id: Type.Integer(), outcome: Type.String() }, { additionalProperties: true })),
          }),
          ...errorResponses(401, 404, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const target = connectedBroker(deps.broker);
      if (isRefusal(target)) {
        deps.audit({ action: 'reconcile.repair', target: body, outcome: { error: target.body.error }, from: request.ip });
        return reply.code(target.status).send(target.body);
      }
      const { mismatches } = await reconcileCustomers(deps.databases, deps.settleMs);
      let chosen = mismatches;
      if ('customer_ids' in body) {
        const mismatched = new Set(mismatches.map((m) => m.customerId));
        const missing = body.customer_ids.filter((id) => !mismatched.has(id));
        if (missing.length > 0) {
          deps.audit({ action: 'reconcile.repair', target: body, outcome: { error: 'not_found', missing }, from: request.ip });
          return reply.code(404).send(errorBody('not_found', `these customers match (or do not exist): ${missing.join(', ')}; nothing was re-published`));
        }
        chosen = mismatches.filter((m) => body.customer_ids.includes(m.customerId));
      }
      let outcomes: RepairOutcome[];
      try {
        outcomes = await repairMismatches(deps.databases, target.republish, chosen, deps.windowDays);
      } catch (error) {
        if (!(error instanceof RepublishNotConfirmedError)) throw error;
        deps.audit({ action: 'reconcile.repair', target: body, outcome: { error: 'broker_unavailable' }, from: request.ip });
        return reply.code(503).send(errorBody('broker_unavailable', `${error.message}; run reconcile again and repair what is still off`));
      }
      const republished = outcomes.reduce((sum, o) => sum + (o.kind === 'republished' ? o.orderIds.length : 0), 0);
      deps.audit({ action: 'reconcile.repair', target: body, outcome: { republished, customers: chosen.length }, from: request.ip });
      return { republished, customers: outcomes.map(toRepairJson) };
    },
  );
}
