"""Unfold-styled form fields for the workflow step forms of every app (built per request, in the
form classes, never at import time with a queryset)."""

from django import forms
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminEmailInputWidget,
    UnfoldAdminSelectMultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextInputWidget,
    UnfoldAdminURLInputWidget,
    UnfoldBooleanSwitchWidget,
)

from people.admin_workflow import textarea


def text(label, *, required=True, max_length=200, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=UnfoldAdminTextInputWidget,
    )


def note(label="Note", *, required=False, help_text="", error=None):
    extra = {"error_messages": {"required": error}} if error else {}
    return forms.CharField(label=label, required=required, help_text=help_text, widget=textarea(3), **extra)


def choice(label, choices=(), *, required=True, initial=None):
    return forms.ChoiceField(
        label=label, choices=choices, required=required, initial=initial, widget=UnfoldAdminSelectWidget
    )


def moment(label, *, required=True, help_text=""):
    return forms.SplitDateTimeField(
        label=label, required=required, help_text=help_text, widget=UnfoldAdminSplitDateTimeWidget
    )


def day(label, *, required=True, help_text=""):
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=UnfoldAdminSingleDateWidget
    )


def amount(label):
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, widget=UnfoldAdminDecimalFieldWidget
    )


def link(label, *, required=False):
    return forms.URLField(
        label=label, required=required, assume_scheme="https", widget=UnfoldAdminURLInputWidget
    )


def many(label, queryset, *, help_text=""):
    return forms.ModelMultipleChoiceField(
        label=label, queryset=queryset, help_text=help_text, widget=UnfoldAdminSelectMultipleWidget
    )


def email(label):
    return forms.EmailField(label=label, widget=UnfoldAdminEmailInputWidget)


def switch(label, *, initial=False, help_text=""):
    return forms.BooleanField(
        label=label, required=False, initial=initial, help_text=help_text, widget=UnfoldBooleanSwitchWidget
    )
