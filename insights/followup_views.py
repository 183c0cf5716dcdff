"""/desk/insights/followups/<id>/close/: an agent closes a follow-up case with its outcome
(the form is in the desk's customer panel, ``insights.followup_panel``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insights.models import FollowUp
from insights.services.followups import FollowUpError, followup_close
from portal.decorators import agent_required


@agent_required
@require_POST
def followup_close_view(request, pk: int):
    followup = get_object_or_404(
        FollowUp.objects.visible_to(request.user).select_related("ticket"), pk=pk
    )
    try:
        followup = followup_close(
            followup=followup, outcome=request.POST.get("outcome", ""), by=request.user
        )
    except FollowUpError as exc:
        context = {"followup": followup, "message": exc.message, "errors": exc.errors}
        return render(request, "insights/followup/close_error.html", context, status=exc.status)
    messages.success(
        request,
        _("Follow-up closed: %(outcome)s.") % {"outcome": followup.get_outcome_display()},
    )
    return redirect(followup.ticket.get_desk_url())
