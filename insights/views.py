"""``/surveys/<token>/``: answer a survey from the emailed (or portal) link, no login.

A bad, expired or already used link gets a page saying so with its status (400, 410, 409);
a bad answer re-shows the form with the errors (422); nothing is written then.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from insights.forms import SurveyAnswerForm
from insights.services.surveys import SurveyError, survey_answer, survey_for_token


def _error(request, error: SurveyError):
    return render(request, "insights/survey_error.html", {"error": error}, status=error.status)


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    try:
        current = survey_for_token(token)
    except SurveyError as error:
        return _error(request, error)
    data = request.POST if request.method == "POST" else None  # an empty POST is bound too
    form = SurveyAnswerForm(data, kind=current.kind, trigger=current.trigger)
    status = 200
    if request.method == "POST":
        try:
            survey_answer(survey=current, **form.raw_answer())
        except SurveyError as error:
            if error.code != "bad_answer":
                return _error(request, error)
            form.is_valid()  # bind, then show the service's messages
            form.add_service_errors(error.errors)
            status = 422
        else:
            return render(request, "insights/survey_done.html", {"survey": current})
    context = {"survey": current, "form": form}
    return render(request, "insights/survey.html", context, status=status)
