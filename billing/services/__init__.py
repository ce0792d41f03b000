"""Billing workflows: every write goes through a function here (admin actions, imports, tasks,
webhooks and tests call the same ones). Refusals raise billing.services.errors.BillingError."""
