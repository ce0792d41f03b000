"""Billing URLs outside the admin: the gateways' webhooks (mounted at /billing/)."""

from django.urls import path

from billing.webhooks import stripe_webhook

app_name = "billing"

urlpatterns = [
    path("webhooks/stripe/", stripe_webhook, name="stripe-webhook"),
]
