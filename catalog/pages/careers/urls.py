"""/careers/: the public job list, a job's page, its apply form and the confirmation after applying."""

from django.urls import path

from catalog.pages.careers import views

app_name = "careers"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:public_id>/", views.job_short_link, name="short"),
    path("<uuid:public_id>/apply/", views.apply, name="apply"),
    path("<uuid:public_id>/applied/", views.applied, name="applied"),
    path("<uuid:public_id>/<slug:slug>/", views.job_detail, name="detail"),
]
