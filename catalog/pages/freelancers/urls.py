"""/browse-freelancers/: the list, and a profile by public UUID (the slug only makes it readable)."""

from django.urls import path

from catalog.pages.freelancers import views

app_name = "freelancers"
urlpatterns = [
    path("", views.ProviderList.as_view(), name="list"),
    path("<uuid:public_id>/", views.ProviderDetail.as_view(), name="detail_by_id"),
    path("<uuid:public_id>/<str:slug>/", views.ProviderDetail.as_view(), name="detail"),
]
