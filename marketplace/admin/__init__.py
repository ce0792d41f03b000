"""Admins of the marketplace; importing this package registers them all.

categories: the category tree; providers: providers (profile form, verification and listing steps,
their services and contracts inline); offerings: services (and "Book…"); bookings: bookings and
their steps; contracts: contracts, their lifecycle steps and reviews. The step machinery is the
kernel's (people.admin_workflow); common: what these admins share.
"""

from marketplace.admin import bookings, categories, contracts, offerings, providers

__all__ = ["bookings", "categories", "contracts", "offerings", "providers"]
