"""Writes of the marketplace app. Admin actions, imports, the demo and tests call these functions.

Import the module you need (no re-exports here, so the modules stay independent):

- errors: `MarketplaceError` and `TransitionNotAllowed`, the domain errors of every module;
- providers: verify / unverify a provider, list it on the marketplace or take it off;
- bookings: request, confirm, complete, cancel a booking, or record a no-show (no two confirmed
  bookings of a provider overlap);
- contracts: the contract lifecycle (draft → active → delivered → completed, or disputed /
  cancelled) and its allowed transitions;
- reviews: one review per completed contract, published or not;
- stats: the provider's rating average, review count and completed contracts count, refreshed by
  the services above and recomputed by `manage.py repair_provider_stats`.
"""
