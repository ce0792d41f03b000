"""Third-party admins shown in the console: django-q2's, re-registered with unfold's ModelAdmin.

Imported by ConsoleAdminConfig.ready() after admin autodiscovery. Roles are managed in code
(people.roles), so auth's Group admin is not shown.
"""

from django.contrib import admin
from django.contrib.auth.models import Group
from django_q import admin as q_admin
from django_q import models as q_models
from unfold.admin import ModelAdmin

for model, base in [
    (q_models.Schedule, q_admin.ScheduleAdmin),
    (q_models.Success, q_admin.TaskAdmin),
    (q_models.Failure, q_admin.FailAdmin),
    (q_models.OrmQ, q_admin.QueueAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(f"Unfold{base.__name__}", (base, ModelAdmin), {}))

if admin.site.is_registered(Group):
    admin.site.unregister(Group)
