"""The desk's forms: queue filters (GET), bulk actions, ticket properties, reply composer."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.idempotency import IdempotentFormMixin
from portal.models import Organisation, Product
from portal.uploads import MultipleFileField
from tickets.forms import attachments_help
from tickets.models import Category, Impact, Priority, Queue, Status, Tag
from tickets.selectors import DeskParams, agents
from tickets.services.common import MESSAGE_MAX

PRIORITY_CHOICES = [(p.key, p.label) for p in Priority]


class FastSelect(forms.Select):
    """A ``<select>`` rendered in Python rather than one template per option: the desk's
    filters list every organisation and agent, and template rendering of hundreds of options
    cost more than the whole queue query (bench/agent_queue.py)."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            chosen = " selected" if option_value in selected else ""
            options.append(
                format_html('<option value="{}"{}>{}</option>', option_value, chosen, label)
            )
        attributes = flatatt({**self.build_attrs(self.attrs, attrs), "name": name})
        body = mark_safe("".join(options))  # noqa: S308 - each option escaped by format_html
        return format_html("<select{}>{}</select>", attributes, body)


def fast_selects(form: forms.Form) -> None:
    """Swap the form's single-choice selects for ``FastSelect`` (same choices and attrs)."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs)
            fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast


SLA_CHOICES = [
    ("", _("Any SLA state")),
    ("on_track", _("On track")),
    ("at_risk", _("At risk")),
    ("breached", _("Breached")),
    ("paused", _("Paused")),
]
SORT_CHOICES = [
    ("priority", _("Priority")),
    ("due", _("Due soonest")),
    ("newest", _("Newest")),
    ("oldest", _("Oldest")),
    ("updated", _("Recently updated")),
]


def _choices(queryset, empty, key: str = "pk") -> list[tuple[str, str]]:
    """(value, label) pairs straight from the database: no model instances to build."""
    return [("", empty), *((str(k), str(label)) for k, label in queryset.values_list(key, "name"))]


class DeskFilterForm(forms.Form):
    """GET filters of the queue. Invalid values are dropped (the filter is just not applied)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    queue = forms.TypedChoiceField(label=_("Queue"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open (not done)")), ("all", _("Any status")), *Status.choices],
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *PRIORITY_CHOICES], required=False
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    sla = forms.ChoiceField(label=_("SLA"), choices=SLA_CHOICES, required=False)
    product = forms.TypedChoiceField(
        label=_("Product"), coerce=int, required=False, empty_value=None
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), coerce=int, required=False, empty_value=None
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, queues: list[Queue] | None = None, **kwargs):
        """``queues``: the queues, when the page has read them already (the counters)."""
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["queue"].choices = (
            _choices(Queue.objects.all(), _("All queues"))
            if queues is None
            else [("", _("All queues")), *((str(queue.pk), queue.name) for queue in queues)]
        )
        fields["product"].choices = _choices(Product.objects.all(), _("All products"))
        fields["organisation"].choices = _choices(
            Organisation.objects.all(), _("All organisations")
        )
        fields["tag"].choices = _choices(Tag.objects.all(), _("Any tag"), key="slug")
        fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Unassigned")),
            *(
                (str(pk), name or email)
                for pk, name, email in agents().values_list("pk", "full_name", "email")
            ),
        ]
        fast_selects(self)

    def params(self) -> DeskParams:
        """The valid filters (invalid ones are ignored, never an error page)."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        status = data.get("status") or ""
        return DeskParams(
            statuses=(status,) if status and status != "all" else (),
            all_statuses=status == "all",
            queue=data.get("queue"),
            assignee=data.get("assignee") or "",
            priorities=(Priority.from_key(data["priority"]).value,) if data.get("priority") else (),
            sla=data.get("sla") or "",
            product=data.get("product"),
            organisation=data.get("organisation"),
            tag=data.get("tag") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "priority",
        )


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", _("Assign to")),
        ("status", _("Set status")),
        ("priority", _("Set priority")),
        ("tag", _("Add tags")),
        ("merge", _("Merge into ticket")),
    ]
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=())
    action = forms.ChoiceField(choices=ACTIONS)
    value = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, ticket_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].choices = [(pk, pk) for pk in ticket_ids]


class PropertiesForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITY_CHOICES)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    queue = forms.ModelChoiceField(
        label=_("Queue"), queryset=Queue.objects.all(), required=False, empty_label=_("No queue")
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, empty_label="—"
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Comma-separated; new tags are created."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Unassigned")),
            *((str(agent.pk), agent.get_full_name()) for agent in agents()),
        ]
        fast_selects(self)

    @classmethod
    def initial_for(cls, ticket) -> dict:
        return {
            "status": ticket.status,
            "priority": ticket.priority_key,
            "assignee": str(ticket.assignee_id or ""),
            "queue": ticket.queue_id,
            "category": ticket.category,
            "impact": ticket.impact,
            "product": ticket.product_id,
            "tags": ", ".join(tag.name for tag in ticket.tags.all()),
        }

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class ComposerForm(IdempotentFormMixin, forms.Form):
    """Reply or internal note; also carries the "insert" actions (canned reply, article)."""

    KIND_CHOICES = [("reply", _("Reply to customer")), ("note", _("Internal note"))]
    STATUS_AFTER = [
        ("", _("Keep status")),
        (Status.OPEN, _("Open")),
        (Status.WAITING_CUSTOMER, _("Waiting on customer")),
        (Status.WAITING_THIRD_PARTY, _("Waiting on third party")),
        (Status.RESOLVED, _("Resolved")),
    ]
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="reply", widget=forms.RadioSelect)
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    status_after = forms.ChoiceField(
        label=_("Then set status"), choices=STATUS_AFTER, required=False
    )
    attachments = MultipleFileField(label=_("Attachments"))
    canned = forms.ChoiceField(label=_("Canned reply"), required=False)
    article_q = forms.CharField(label=_("Find an article"), required=False, max_length=100)
    linked_articles = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, canned_replies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()
        self.fields["canned"].choices = [
            ("", _("Choose…")),
            *((str(reply.pk), reply.title) for reply in canned_replies),
        ]

    def article_ids(self) -> list[int]:
        raw = (self.cleaned_data.get("linked_articles") or "").split(",")
        return [int(value) for value in raw if value.strip().isdigit()][:20]


class MergeForm(forms.Form):
    target = forms.CharField(
        label=_("Merge this ticket into"),
        max_length=20,
        help_text=_("The number of the ticket to keep, e.g. T-123."),
    )

    def clean_target(self) -> int:
        value = self.cleaned_data["target"].strip().upper().removeprefix("T-")
        if not value.isdigit() or len(value) > 12:
            raise forms.ValidationError(_("Type a ticket number such as T-123."))
        return int(value)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=60)
    query = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    is_shared = forms.BooleanField(label=_("Share with every agent"), required=False)
