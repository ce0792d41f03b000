"""Admins of recruiting; importing this package registers them all.

jobs: job postings; candidates: candidates; pipeline: applications, interviews, offers and checks.
"""

from recruiting.admin import candidates, jobs, pipeline

__all__ = ["candidates", "jobs", "pipeline"]
