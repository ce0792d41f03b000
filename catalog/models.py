"""Models arrive with this app's issue; every tenant-owned model inherits people.tenancy.TenantOwned."""
