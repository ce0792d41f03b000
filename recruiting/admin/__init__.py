"""Admins of recruiting; importing this package registers them all.

jobs: job postings; candidates: candidates (form through the services, merge, timeline);
pipeline: applications and their lifecycle actions; interviews: interviews and feedback;
offers: offers and background checks. workflow: the step machinery their actions share.
"""

from recruiting.admin import candidates, interviews, jobs, offers, pipeline

__all__ = ["candidates", "interviews", "jobs", "offers", "pipeline"]
