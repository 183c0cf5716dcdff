"""/status/: current state per service, open incidents with their updates, scheduled
maintenance, the 90-day history with uptime, past incidents; caching and query counts;
following a service."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outages import selectors
from outages.models import StatusSubscription
from outages.selectors import uptime_percent
from outages.views import status_cache_key
from portal.models import Interaction, Product
from tests.outages.conftest import days_ago, make_incident


def at(hours: float) -> datetime:
    return datetime(2026, 11, 1, tzinfo=timezone.get_current_timezone()) + timedelta(hours=hours)


WINDOW = (at(0), at(10))


# --- uptime arithmetic -------------------------------------------------------------------------
def test_uptime_without_incidents_is_100():
    assert uptime_percent(down=[], maintenance=[], window=WINDOW) == 100.0


def test_uptime_counts_outage_minutes():
    assert uptime_percent(down=[(at(1), at(3))], maintenance=[], window=WINDOW) == 80.0


def test_overlapping_outages_count_once():
    down = [(at(1), at(3)), (at(2), at(4)), (at(2.5), at(3.5))]
    assert uptime_percent(down=down, maintenance=[], window=WINDOW) == 70.0


def test_maintenance_is_left_out_of_the_calculation():
    # 10 h window, 2 h maintenance, 2 h outage: (10 - 2 - 2) / (10 - 2)
    value = uptime_percent(down=[(at(5), at(7))], maintenance=[(at(1), at(3))], window=WINDOW)
    assert value == 75.0


def test_outage_during_maintenance_counts_as_down_once():
    # maintenance 1-3, outage 2-4: maintenance-only time is 1 h; down 2 h: (10-1-2)/(10-1)
    value = uptime_percent(down=[(at(2), at(4))], maintenance=[(at(1), at(3))], window=WINDOW)
    assert value == pytest.approx(7 / 9 * 100)


def test_only_the_window_counts():
    down = [(at(-5), at(1)), (at(9), at(20))]
    assert uptime_percent(down=down, maintenance=[], window=WINDOW) == 80.0


def test_window_all_maintenance_is_100():
    assert uptime_percent(down=[], maintenance=[(at(-1), at(11))], window=WINDOW) == 100.0


def test_uptime_edge_cases():
    # down the whole window (and beyond): 0, never negative
    assert uptime_percent(down=[(at(-1), at(11))], maintenance=[], window=WINDOW) == 0.0
    # touching outages are merged, empty and reversed ones ignored
    down = [(at(1), at(2)), (at(2), at(3)), (at(5), at(5)), (at(8), at(7))]
    assert uptime_percent(down=down, maintenance=[], window=WINDOW) == 80.0
    # an outage wholly inside maintenance: maintenance-only time shrinks, the outage counts
    value = uptime_percent(down=[(at(2), at(3))], maintenance=[(at(1), at(5))], window=WINDOW)
    assert value == pytest.approx((10 - 3 - 1) / (10 - 3) * 100)
    # overlapping maintenance windows count once
    value = uptime_percent(
        down=[(at(8), at(9))], maintenance=[(at(0), at(4)), (at(2), at(6))], window=WINDOW
    )
    assert value == 75.0
    # all maintenance except an outage: only the outage is counted, so 0
    value = uptime_percent(down=[(at(9), at(10))], maintenance=[(at(0), at(9))], window=WINDOW)
    assert value == 0.0
    # an empty window is 100
    assert uptime_percent(down=[(at(1), at(2))], maintenance=[], window=(at(5), at(5))) == 100.0


def test_uptime_shown_never_rounds_up_to_100(fibre_svc):
    """A few seconds of outage in 90 days is 99.9999...%: shown as 99.99, not 100.00."""
    make_incident([fibre_svc], impact="major", starts_at=timezone.now() - timedelta(seconds=5))
    fibre = _service(selectors.status_board(), "fibre-broadband")
    assert 99.99 < fibre.uptime < 100
    assert fibre.uptime_shown == 99.99
    assert selectors.ServiceStatus(fibre.product, "operational", uptime=100.0).uptime_shown == 100


def test_open_outage_counts_until_now_and_resolved_until_its_end(fibre_svc, mobile_svc):
    now = timezone.now()
    make_incident([fibre_svc], impact="major", starts_at=now - timedelta(hours=9))
    make_incident(
        [mobile_svc],
        impact="major",
        starts_at=now - timedelta(hours=9),
        ends_at=now - timedelta(hours=6),
        resolve=True,
    )
    board = selectors.status_board(now=now)
    window = (now - selectors.window_start(now)).total_seconds()
    fibre, mobile = _service(board, "fibre-broadband"), _service(board, "mobile-plan")
    assert fibre.uptime == pytest.approx((1 - 9 * 3600 / window) * 100)
    assert mobile.uptime == pytest.approx((1 - 3 * 3600 / window) * 100)


def test_incident_before_the_window_only_counts_its_part_inside(fibre_svc):
    now = timezone.now()
    since = selectors.window_start(now)
    make_incident(
        [fibre_svc],
        impact="partial",
        starts_at=since - timedelta(days=2),
        ends_at=since + timedelta(hours=12),
        resolve=True,
    )
    fibre = _service(selectors.status_board(now=now), "fibre-broadband")
    window = (now - since).total_seconds()
    assert fibre.uptime == pytest.approx((1 - 12 * 3600 / window) * 100)
    assert fibre.days[0].impact == "partial" and fibre.days[1].impact == "operational"


# --- the board -----------------------------------------------------------------------------------
def _service(board, slug):
    return next(s for s in board.services if s.product.slug == slug)


def test_worst_open_impact_wins(subscribed, fibre_svc, mobile_svc):
    make_incident([fibre_svc], impact="degraded", title="Slow")
    make_incident([fibre_svc, mobile_svc], impact="major", title="Down")
    make_incident([mobile_svc], impact="maintenance", title="Old", resolve=True)
    board = selectors.status_board()
    assert _service(board, "fibre-broadband").state == "major"
    assert _service(board, "mobile-plan").state == "major"
    assert board.overall == "major"


def test_maintenance_shown_as_such_and_resolved_is_operational(fibre_svc, mobile_svc):
    make_incident([fibre_svc], impact="maintenance", title="Router firmware")
    make_incident([mobile_svc], impact="major", title="Fixed", resolve=True)
    board = selectors.status_board()
    assert _service(board, "fibre-broadband").state == "maintenance"
    assert str(_service(board, "fibre-broadband").state_label) == "Under maintenance"
    assert _service(board, "mobile-plan").state == "operational"


def test_products_that_are_not_services_are_not_listed(fibre_svc):
    Product.objects.create(name="Smart hub", slug="hub", kind=Product.Kind.PRODUCT)
    Product.objects.create(name="Old service", slug="old", is_active=False)
    assert [s.product.slug for s in selectors.status_board().services] == ["fibre-broadband"]


def test_scheduled_maintenance_is_listed_ahead_not_current(fibre_svc):
    soon = timezone.now() + timedelta(days=6)
    make_incident(
        [fibre_svc],
        impact="maintenance",
        title="Core upgrade",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
    )
    board = selectors.status_board()
    assert [i.title for i in board.scheduled] == ["Core upgrade"]
    assert not board.open_incidents
    assert _service(board, "fibre-broadband").state == "operational"


def test_unpublished_incidents_only_for_agents(fibre_svc, alice, ada):
    make_incident([fibre_svc], impact="major", title="Draft outage", publish=False)
    assert _service(selectors.status_board(user=None), "fibre-broadband").state == "operational"
    assert _service(selectors.status_board(user=alice), "fibre-broadband").state == "operational"
    assert _service(selectors.status_board(user=ada), "fibre-broadband").state == "major"


def morning(day: datetime) -> datetime:
    """10:00 local time that day: an incident of a few hours then stays within the day."""
    return timezone.localtime(day).replace(hour=10, minute=0, second=0, microsecond=0)


def test_history_cells_uptime_and_past_incidents(fibre_svc, mobile_svc):
    now = timezone.now()
    start = morning(days_ago(3, now=now))
    ten = morning(days_ago(10, now=now))
    make_incident(
        [fibre_svc],
        impact="major",
        title="Three days ago",
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        resolve=True,
    )
    make_incident(
        [fibre_svc],
        impact="degraded",
        title="Ten days ago",
        starts_at=ten,
        ends_at=ten + timedelta(hours=1),
        resolve=True,
    )
    make_incident(
        [fibre_svc],
        impact="major",
        title="Too old",
        starts_at=days_ago(120, now=now),
        ends_at=days_ago(119, now=now),
        resolve=True,
    )
    board = selectors.status_board(now=now)
    fibre = _service(board, "fibre-broadband")
    assert len(fibre.days) == 90
    assert fibre.days[-1].day == timezone.localdate(now)
    by_day = {cell.day: cell.impact for cell in fibre.days}
    assert by_day[timezone.localdate(start)] == "major"
    assert by_day[timezone.localdate(ten)] == "degraded"
    assert fibre.incident_days == 2
    window = (selectors.window_start(now), now)
    expected = (1 - 6 * 3600 / (window[1] - window[0]).total_seconds()) * 100
    assert fibre.uptime == pytest.approx(expected)  # degraded counts as up
    assert _service(board, "mobile-plan").uptime == 100.0
    assert [i.title for i in board.past] == ["Three days ago", "Ten days ago"]


def test_worst_impact_of_a_day_wins(fibre_svc):
    now = timezone.now().replace(hour=12)
    make_incident(
        [fibre_svc],
        impact="degraded",
        starts_at=now - timedelta(days=1, hours=2),
        ends_at=now - timedelta(days=1, hours=1),
        resolve=True,
    )
    make_incident(
        [fibre_svc],
        impact="partial",
        starts_at=now - timedelta(days=1, hours=4),
        ends_at=now - timedelta(days=1, hours=3),
        resolve=True,
    )
    fibre = _service(selectors.status_board(now=now), "fibre-broadband")
    assert fibre.days[-2].impact == "partial"


# --- the page ------------------------------------------------------------------------------------
def test_page_shows_services_incidents_updates_and_note(client, subscribed, fibre_svc):
    make_incident([fibre_svc], impact="partial", updates=("Cause found: a cut cable.",))
    make_incident(
        [fibre_svc],
        impact="maintenance",
        title="Night works",
        starts_at=timezone.now() + timedelta(days=5),
    )
    response = client.get("/status/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fibre Broadband" in html and "Mobile Plan" in html
    assert "Fibre outage in the north" in html
    assert "Cause found: a cut cable." in html and "We are looking into it." in html
    assert "Night works" in html
    assert "Some services are partly down" in html
    assert "Degraded performance counts as up" in html
    assert html.count('<li class="day day-') == 2 * 90


def test_anonymous_is_cacheable_and_writes_nothing(client, subscribed, fibre_svc):
    make_incident([fibre_svc])
    interactions = Interaction.objects.count()
    response = client.get("/status/")
    assert response["Cache-Control"] == "public, max-age=30"
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()
    assert Interaction.objects.count() == interactions
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/status/")
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert again.content == response.content


def test_anonymous_page_goes_into_the_visitor_page_cache(client, settings, fibre_svc):
    settings.PORTAL_VISITOR_CACHE = True
    first = client.get("/status/")
    assert first["X-Page-Cache"] == "miss" and not first.cookies
    assert client.get("/status/")["X-Page-Cache"] == "hit"


def test_cached_body_is_per_language(client, fibre_svc):
    client.get("/status/")
    response = client.get("/it/status/")
    assert response.status_code == 200
    from django.core.cache import cache

    assert status_cache_key("en") != status_cache_key("it")
    assert cache.get(status_cache_key("en")) is not None
    assert cache.get(status_cache_key("it")) is not None


def test_customers_see_which_services_they_use(client_for, alice, amy, subscribed):
    assert client_for(alice).get("/status/").content.decode().count("You use this service") == 1
    assert "You use this service" not in client_for(amy).get("/status/").content.decode()


def test_signed_in_page_is_private_and_fresh(client_for, alice, subscribed, fibre_svc):
    client = client_for(alice)
    client.get("/status/")
    make_incident([fibre_svc], title="Brand new outage")
    response = client.get("/status/")
    assert "private" in response["Cache-Control"]
    assert "Brand new outage" in response.content.decode()


def _queries(client, path="/status/") -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", [None, "alice", "ada"])
def test_query_count_does_not_grow_with_incidents(
    request, client_for, subscribed, fibre_svc, mobile_svc, persona, django_assert_max_num_queries
):
    client = client_for(request.getfixturevalue(persona) if persona else None)
    make_incident([fibre_svc], updates=("one",))
    few = _queries(client)
    for n in range(15):
        make_incident(
            [fibre_svc, mobile_svc],
            impact=("degraded", "partial", "major", "maintenance")[n % 4],
            title=f"Incident {n}",
            starts_at=days_ago(n * 5 + 1),
            resolve=n % 2 == 0,
            updates=("a", "b"),
        )
    many = _queries(client)
    assert many == few
    with django_assert_max_num_queries(12 if persona else 5):
        client.get("/status/")


# --- following a service -----------------------------------------------------------------
def test_follow_and_unfollow(client_for, alice, subscribed, mobile_svc):
    client = client_for(alice)
    page = client.get("/status/").content.decode()
    assert "/status/services/mobile-plan/follow/" in page
    response = client.post("/status/services/mobile-plan/follow/")
    assert response.status_code == 302 and response["Location"].endswith("#service-mobile-plan")
    client.post("/status/services/mobile-plan/follow/")  # twice: still one
    assert StatusSubscription.objects.filter(customer=alice.customer).count() == 1
    follows = Interaction.objects.filter(kind="status_subscribe", customer=alice.customer)
    assert follows.count() == 1
    assert "/status/services/mobile-plan/unfollow/" in client.get("/status/").content.decode()
    client.post("/status/services/mobile-plan/unfollow/")
    client.post("/status/services/mobile-plan/unfollow/")
    assert not StatusSubscription.objects.exists()
    assert list(follows.values_list("metadata__action", flat=True).order_by("pk")) == [
        "follow",
        "unfollow",
    ]


def test_follow_refusals(client_for, alice, ada, subscribed):
    Product.objects.create(name="Smart hub", slug="hub", kind=Product.Kind.PRODUCT)
    client = client_for(alice)
    assert client.post("/status/services/hub/follow/").status_code == 404
    assert client.post("/status/services/nope/follow/").status_code == 404
    assert client.get("/status/services/fibre-broadband/follow/").status_code == 405
    assert client_for(ada).post("/status/services/fibre-broadband/follow/").status_code == 403
    anonymous = client_for(None).post("/status/services/fibre-broadband/follow/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not StatusSubscription.objects.exists()


def test_agents_and_visitors_get_no_follow_buttons(client_for, ada, fibre_svc):
    assert "/follow/" not in client_for(ada).get("/status/").content.decode()
    page = client_for(None).get("/status/").content.decode()
    assert "/follow/" not in page and "to follow a service" in page


def test_subscription_service_refuses_products_and_records_once(alice, fibre_svc):
    from outages.services import (
        StatusSubscriptionError,
        status_subscription_add,
        status_subscription_remove,
    )

    hub = Product.objects.create(name="Smart hub", slug="hub", kind=Product.Kind.PRODUCT)
    with pytest.raises(StatusSubscriptionError):
        status_subscription_add(customer=alice.customer, product=hub)
    _sub, created = status_subscription_add(customer=alice.customer, product=fibre_svc)
    _again, created_again = status_subscription_add(customer=alice.customer, product=fibre_svc)
    assert created and not created_again
    assert status_subscription_remove(customer=alice.customer, product=fibre_svc)
    assert not status_subscription_remove(customer=alice.customer, product=fibre_svc)
    assert Interaction.objects.filter(kind="status_subscribe").count() == 2
