"""The "Insights" overview in the Wagtail admin (admins only): KPI tiles with the change
against the previous period and their formulas, charts, cohort retention, incident impact,
filters by period and segment, and every table as CSV or XLSX
(``?export=<table>&format=csv|xlsx`` with the same filters)."""

from __future__ import annotations

import csv
import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from insights.dashboard import Table, customers_table, dashboard
from insights.exports import cohorts_with_partial, money_columns
from insights.metrics import Segment, shared_queries
from insights.metrics.drilldown import DRILLDOWNS, TILE_LINKS, customers_behind
from insights.metrics.lifecycle import STAGES
from insights.models import ValueBand
from insights.overview import overview_charts
from insights.periods import PeriodError, default_period, period_from
from portal import roles
from portal.models import Channel, Organisation, Product

EXPORT_FORMATS = ("csv", "xlsx")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InsightsFilterForm(forms.Form):
    # the browser's own date picker (no script to load; Wagtail's AdminDateInput needs its
    # media on the page, else "initDateChooser is not defined" and a plain text box)
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    organisation = forms.ModelChoiceField(
        Organisation.objects.all(), label=_("Organisation"), required=False
    )
    product = forms.ModelChoiceField(
        Product.objects.all(), label=_("Product or service"), required=False
    )
    cohort = forms.DateField(
        label=_("Cohort (month of first order)"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    value_band = forms.ChoiceField(
        label=_("Value band"),
        required=False,
        choices=[("", _("All value bands")), *ValueBand.choices],
        help_text=_("Derived from the predicted value of the last lifetime value fit."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
        help_text=_("Engagement and service metrics only."),
    )

    def clean(self):
        data = super().clean()
        try:
            data["period"] = period_from(data.get("start"), data.get("end"))
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None
        data["segment"] = Segment(
            organisation=data["organisation"].pk if data.get("organisation") else None,
            product=data["product"].pk if data.get("product") else None,
            cohort=data.get("cohort"),
            channel=data.get("channel") or None,
            value_band=data.get("value_band") or None,
        )
        return data


def _cell(value) -> object:
    if isinstance(value, float):
        return round(value, 6)
    return "" if value is None else value


def table_response(table: Table, export_format: str, filename: str) -> HttpResponse:
    table = money_columns(table)  # money to its currency's decimals, the currency next to it
    rows = [[_cell(value) for value in row] for row in table.rows]
    if export_format == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = table.key[:31]
        sheet.append(table.headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(table.headers)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    return response


class InsightsOverviewView(WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Insights")
    header_icon = "view"
    template_name = "insights/admin/overview.html"

    def dispatch(self, request, *args, **kwargs):
        if not roles.is_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def filters(self) -> InsightsFilterForm:
        filter_keys = set(InsightsFilterForm.base_fields)
        data = {k: v for k, v in self.request.GET.items() if k in filter_keys}
        form = InsightsFilterForm(data)
        if not form.is_valid():
            self.status = 400
        return form

    def get(self, request, *args, **kwargs):
        self.status = 200
        form = self.filters()
        period = form.cleaned_data["period"] if form.is_valid() else None
        if period is None:
            period = default_period()
            segment = Segment()
        else:
            segment = form.cleaned_data["segment"]
        data = dashboard(period, segment)
        tables = data.tables()
        export = request.GET.get("export")
        if export:
            export_format = request.GET.get("format", "csv")
            if export not in tables or export_format not in EXPORT_FORMATS:
                return HttpResponse(
                    _("Unknown table or format."), status=400, content_type="text/plain"
                )
            table = tables[export]
            if export == "cohorts":  # say which month is not over yet
                table = cohorts_with_partial(table, data.cohorts)
            return table_response(table, export_format, f"insights-{export}-{period}")
        for tile in data.tiles:  # the customers behind the number
            tile.links = [DRILLDOWNS[key] for key in TILE_LINKS.get(tile.metric.name, ())]
        stage_links = [DRILLDOWNS[f"stage-{key}"] for key, _label in STAGES]
        context = self.get_context_data(
            form=form, data=data, tables=tables, stage_links=stage_links, **kwargs
        )
        context.update(self.charts(data))
        query = request.GET.copy()
        query.pop("export", None)
        query.pop("format", None)
        context["query"] = query.urlencode()
        return self.render_to_response(context, status=self.status)

    def charts(self, data) -> dict:
        return overview_charts(data)


class InsightsCustomersView(InsightsOverviewView):
    """The customers behind a number (``?list=<drill-down>`` with the overview's filters):
    paginated, each linking to their timeline on the desk, CSV/XLSX of the whole list."""

    page_title = _("Customers behind a number")
    template_name = "insights/admin/customers.html"
    per_page = 50

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("insights_reports:overview"), "label": _("Insights")},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request, *args, **kwargs):
        form = self.filters()
        drilldown = DRILLDOWNS.get(request.GET.get("list", ""))
        if drilldown is None or not form.is_valid():
            context = self.get_context_data(form=form, drilldown=None, unknown=drilldown is None)
            return self.render_to_response(context, status=400)
        period, segment = form.cleaned_data["period"], form.cleaned_data["segment"]
        with shared_queries():
            customers = customers_behind(drilldown.key, period, segment)
            export = request.GET.get("format")
            if export:
                if export not in EXPORT_FORMATS:
                    return HttpResponse(_("Unknown format."), status=400, content_type="text/plain")
                table = customers_table(drilldown.key, drilldown.label, customers)
                return table_response(table, export, f"insights-{drilldown.key}-{period}")
            page = Paginator(customers, self.per_page).get_page(request.GET.get("page"))
            query = request.GET.copy()
            query.pop("page", None)
            query.pop("format", None)
            context = self.get_context_data(
                form=form,
                drilldown=drilldown,
                period=period,
                page_obj=page,
                query=query.urlencode(),
            )
            return self.render_to_response(context)
