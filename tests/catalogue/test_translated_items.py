"""Catalogue items in both languages (issue 17): names, descriptions, categories, form labels,
help texts and choice labels in the page's language, English where the Italian is empty; the
same request shown in each reader's language; the API by ``?lang=`` or Accept-Language; the
admin edits the Italian; the demo has Italian for everything."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from catalogue import demo
from catalogue.forms import answers_display
from catalogue.models import CatalogueCategory, CatalogueItem, FieldType, FormField
from portal.i18n import translated_expression
from tests.catalogue.conftest import field

pytestmark = pytest.mark.django_db


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def lost_card(make_item, category):
    category.name_it = "Account e accesso"
    category.description_it = "Accesso e password."
    category.description = "Sign-in and password."
    category.save()
    return make_item(
        "lost-card",
        "manual",
        [
            field(
                "last_four",
                label="Last four digits",
                label_it="Ultime quattro cifre",
                help_text="As printed on the card.",
                help_text_it="Come sono stampate sulla carta.",
            ),
            field(
                "what",
                FieldType.CHOICE,
                label="What happened?",
                label_it="Che cosa è successo?",
                choices="lost | Lost\nstolen | Stolen\nother | Something else",
                choices_it="lost | Smarrita\nstolen | Rubata",  # "other" not translated
            ),
            field("notes", FieldType.LONG_TEXT, label="Anything else?", required=False),
        ],
        name="Report a lost card",
        name_it="Segnala una carta smarrita",
        short_description="Block your card at once.",
        short_description_it="Blocca subito la carta.",
        description="Have the card number ready.",
        description_it="Tieni a portata di mano il numero della carta.",
    )


def test_the_italian_catalogue_shows_italian_names(lost_card, alice, client_for):
    client = client_for(alice)
    page = client.get(url("catalogue:index", language="it")).content.decode()
    assert "Segnala una carta smarrita" in page and "Blocca subito la carta." in page
    assert "Account e accesso" in page and "Accesso e password." in page
    assert "Report a lost card" not in page
    page = client.get(url("catalogue:index")).content.decode()
    assert "Report a lost card" in page and "Block your card at once." in page
    assert "Segnala" not in page and "Account e accesso" not in page


def test_the_italian_form_has_italian_labels_help_and_choices(lost_card, alice, client_for):
    page = client_for(alice).get(url("catalogue:item", "lost-card", language="it"))
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "Segnala una carta smarrita",
        "Account e accesso",  # the breadcrumb's category
        "Tieni a portata di mano il numero della carta.",
        "Ultime quattro cifre",
        "Come sono stampate sulla carta.",
        "Che cosa è successo?",
        "Smarrita",
        "Rubata",
    ):
        assert text in html, text
    assert "Something else" in html, "an untranslated choice keeps its English label"
    assert "Anything else?" in html, "an untranslated label falls back to English"
    assert "Last four digits" not in html and "As printed on the card." not in html
    english = client_for(alice).get(url("catalogue:item", "lost-card")).content.decode()
    assert "Last four digits" in english and "Stolen" in english and "Rubata" not in english


def test_a_request_reads_in_each_readers_language(lost_card, alice, ada, submit, client_for):
    request = submit(alice, lost_card, {"last_four": "4242", "what": "stolen"}, run=False)
    with translation.override("it"):
        assert answers_display(lost_card, request.data) == [
            ("Ultime quattro cifre", "4242"),
            ("Che cosa è successo?", "Rubata"),
        ]
    with translation.override("en"):
        assert ("What happened?", "Stolen") in answers_display(lost_card, request.data)
    page = client_for(alice).get(url("catalogue:request", request.pk, language="it"))
    html = page.content.decode()
    assert "Segnala una carta smarrita" in html and "Rubata" in html
    page = client_for(alice).get(url("catalogue:request", request.pk)).content.decode()
    assert "Report a lost card" in page and "Stolen" in page and "Rubata" not in page


def test_the_italian_form_validates_the_same_values(lost_card, alice, client_for):
    """The values stay English keys whatever the labels: an Italian answer is the same data."""
    client = client_for(alice)
    page = client.get(url("catalogue:item", "lost-card", language="it")).content.decode()
    token = page.split('name="form_token" value="')[1].split('"')[0]
    response = client.post(
        url("catalogue:item", "lost-card", language="it"),
        {"last_four": "4242", "what": "perduta", "form_token": token},
    )
    assert response.status_code in (200, 400)
    assert "perduta" in response.content.decode()  # refused with the form shown again
    assert not lost_card.requests.exists()


def test_italian_choice_labels_must_name_existing_values(lost_card):
    row = FormField(
        item=lost_card,
        key="device",
        label="Device",
        field_type=FieldType.CHOICE,
        choices="router | Router\nphone | Phone",
        choices_it="router | Router\ntelefono | Telefono",
    )
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "choices_it" in error.value.message_dict
    row.choices_it = "router | Router\nrouter | Modem"
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "choices_it" in error.value.message_dict
    text = FormField(
        item=lost_card, key="town", label="Town", choices_it="a | b", field_type="short_text"
    )
    with pytest.raises(ValidationError) as error:
        text.full_clean()
    assert "choices_it" in error.value.message_dict


def test_the_api_answers_in_the_language_asked_for(lost_card, alice, client_for):
    client = client_for(alice)

    def item(**kwargs):
        (found,) = [i for i in client.get("/api/v1/catalogue", **kwargs).json()["items"]]
        return found

    italian = item(data={"lang": "it"})
    assert italian["name"] == "Segnala una carta smarrita"
    assert italian["category"] == "Account e accesso"
    labels = {f["key"]: f for f in italian["fields"]}
    assert labels["last_four"]["label"] == "Ultime quattro cifre"
    assert labels["last_four"]["help_text"] == "Come sono stampate sulla carta."
    assert labels["what"]["choices"] == [
        {"value": "lost", "label": "Smarrita"},
        {"value": "stolen", "label": "Rubata"},
        {"value": "other", "label": "Something else"},
    ]
    assert item(HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")["name"] == "Segnala una carta smarrita"
    assert item()["name"] == "Report a lost card"
    assert item(data={"lang": "klingon"})["name"] == "Report a lost card"  # ignored, no error


def test_the_admin_edits_the_italian(lost_card, root, client_for):
    client = client_for(root)
    edit = client.get(f"/admin/catalogue/items/edit/{lost_card.pk}/")
    assert edit.status_code == 200
    html = edit.content.decode()
    for name in ("name_it", "short_description_it", "description_it"):
        assert f'name="{name}"' in html, name
    for name in ("label_it", "help_text_it", "choices_it"):
        assert f'name="form_fields-0-{name}"' in html, name
    category = client.get(f"/admin/catalogue/categories/edit/{lost_card.category.pk}/")
    assert 'name="name_it"' in category.content.decode()
    assert 'name="description_it"' in category.content.decode()


def test_the_translated_expression_orders_by_the_italian_name(db):
    CatalogueCategory.objects.create(name="Billing", name_it="Pagamenti", slug="billing")
    CatalogueCategory.objects.create(name="Account", name_it="", slug="account")
    CatalogueCategory.objects.create(name="Zebra", name_it="Abbonamenti", slug="subscriptions")

    def order(language):
        rows = CatalogueCategory.objects.annotate(shown=translated_expression("name", language))
        return list(rows.order_by("shown").values_list("shown", flat=True))

    assert order("it") == ["Abbonamenti", "Account", "Pagamenti"]
    assert order("en") == ["Account", "Billing", "Zebra"]


def test_the_demo_catalogue_is_in_italian_too(db):
    demo.seed_catalogue()
    assert set(demo.ITEMS_IT) == set(demo.ITEMS), "every demo item has its Italian"
    for category in CatalogueCategory.objects.all():
        assert category.name_it and category.description_it, category.slug
    for item in CatalogueItem.objects.prefetch_related("form_fields"):
        assert item.name_it and item.short_description_it, item.slug
        assert bool(item.description_it) == bool(item.description), item.slug
        for row in item.form_fields.all():
            assert row.label_it, f"{item.slug}.{row.key}"
            assert bool(row.help_text_it) == bool(row.help_text), f"{item.slug}.{row.key}"
            if row.choices:
                english = dict(row.choice_list)
                italian = dict(row.choice_list_in("it"))
                assert all(italian[v] != english[v] for v in english if v != "router"), row.key
            row.full_clean()
    # a re-run keeps what an admin changed and fills only what is empty
    item = CatalogueItem.objects.get(slug="lost-card")
    item.name_it = "Blocca la carta"
    item.short_description_it = ""
    item.save()
    demo.translate_catalogue()
    item.refresh_from_db()
    assert item.name_it == "Blocca la carta"
    assert item.short_description_it == "Blocca subito la carta e ricevine una nuova."
