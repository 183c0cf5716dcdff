"""The portal's pages in the Wagtail admin: who may do what, and the API token views.

The viewsets themselves are declared in ``portal/wagtail_hooks.py``. Access is by role
(``portal.roles``), not by Django model permissions: a ``RolePermissionPolicy`` lists the
actions admins and agents may take on a model; everyone else gets nothing (the menu items
are hidden and the views refuse).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.views import generic
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.log_actions import log
from wagtail.permission_policies.base import BasePermissionPolicy

from portal import roles
from portal.models import ApiToken, User
from portal.services.tokens import api_token_create, api_token_revoke

ALL_ACTIONS = frozenset({"add", "change", "delete", "view"})
TOKEN_REVOKE_ACTION = "portal.api_token.revoke"  # noqa: S105 - a log action name


class RolePermissionPolicy(BasePermissionPolicy):
    """Admins may take ``admin`` actions on the model, agents ``agent`` actions, others none."""

    def __init__(self, model, *, admin: Iterable[str] = ALL_ACTIONS, agent: Iterable[str] = ()):
        super().__init__(model)
        self.admin_actions = frozenset(admin)
        self.agent_actions = frozenset(agent)

    def actions_for(self, user) -> frozenset[str]:
        if roles.is_admin(user):
            return self.admin_actions
        if roles.is_agent(user):
            return self.agent_actions
        return frozenset()

    def user_has_permission(self, user, action: str) -> bool:
        return action in self.actions_for(user)

    def user_has_any_permission(self, user, actions: Iterable[str]) -> bool:
        return bool(self.actions_for(user) & set(actions))

    def users_with_any_permission(self, actions: Iterable[str]) -> QuerySet[User]:
        wanted = set(actions)
        condition = Q(pk__in=[])
        if wanted & self.admin_actions:
            condition |= Q(is_superuser=True) | Q(is_staff=True, groups__name=roles.ADMINS)
        if wanted & self.agent_actions:
            condition |= Q(is_superuser=True) | Q(is_staff=True, groups__name__in=roles.ROLE_GROUPS)
        return User.objects.filter(condition, is_active=True).distinct()


# --- API tokens --------------------------------------------------------------------------------


def token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return _("Revoked")
    if not token.is_active:
        return _("Expired")
    return _("Active")


class IntegrationTokenForm(forms.ModelForm):
    """What an admin chooses; the secret, prefix and owner come from ``api_token_create``."""

    class Meta:
        model = ApiToken
        fields = ["name", "expires_at"]
        widgets = {"expires_at": AdminDateTimeInput}
        help_texts = {
            "name": gettext_lazy("Which system uses it, e.g. “Shop” or “Call centre”."),
            "expires_at": gettext_lazy("Optional. After this moment the token stops working."),
        }

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry date must be in the future."))
        return expires_at


class TokenIndexView(generic.IndexView):
    """Every token (admins see all of them); a revoked token has no Revoke button."""

    def get_base_queryset(self):
        return ApiToken.objects.visible_to(self.request.user).select_related("user")

    def get_delete_url(self, instance):
        if instance.revoked_at is not None:
            return None
        return super().get_delete_url(instance)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        revoke_url = self.get_delete_url(instance)
        for button in buttons:
            if revoke_url and button.url == revoke_url:
                button.label, button.icon_name = _("Revoke"), "cross"
        return buttons


class TokenCreateView(generic.CreateView):
    """Creates an integration token through the service and shows its secret exactly once:
    the answer is rendered (not redirected), never cached, and the secret is kept nowhere."""

    page_title = gettext_lazy("New integration token")
    submit_button_label = gettext_lazy("Create token")
    created_template_name = "portal/admin/token_created.html"

    def form_valid(self, form):
        try:
            token, plaintext = api_token_create(
                name=form.cleaned_data["name"],
                kind=ApiToken.Kind.INTEGRATION,
                user=self.request.user,
                expires_at=form.cleaned_data["expires_at"],
            )
        except PermissionError:
            raise PermissionDenied from None
        except ValueError as exc:
            form.add_error(None, str(exc))
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        log(instance=token, action="wagtail.create", user=self.request.user)
        context = self.get_context_data(form=form)
        context.update(
            token=token,
            plaintext=plaintext,
            status=token_status(token),
            index_url=reverse(self.index_url_name),
        )
        response = TemplateResponse(self.request, self.created_template_name, context)
        add_never_cache_headers(response)
        return response


class TokenRevokeView(generic.DeleteView):
    """Revokes (never deletes) a token: the row stays for the record."""

    page_title = gettext_lazy("Revoke")
    template_name = "portal/admin/token_revoke.html"
    success_message = gettext_lazy("API token '%(object)s' revoked: it no longer works.")

    def get_usage(self):
        return None

    def get_usage_url(self):
        return None

    @property
    def confirmation_message(self):
        return _(
            "Revoke this token? Every request that uses it is refused from now on. "
            "This cannot be undone: create a new token instead."
        )

    def delete_action(self):
        if self.object.revoked_at is None:
            api_token_revoke(token=self.object)
            log(instance=self.object, action=TOKEN_REVOKE_ACTION, user=self.request.user)
