"""The public pages: /careers/ and /browse-freelancers/, read from the global catalogs.

Anonymous, server-rendered, no tenant active. They read only catalog entries (which hold only
public fields), never a tenant's own tables; the apply form is the one path that writes, and it
writes into the job's tenant through tenant_context.
"""
