"""The community's rows of the access matrix (tests/portal/test_access_matrix.py).

Objects are built once per test through the services: a public question of alice's with an
answer of bob's (flagged by amy), and a question of alice's in a category only Acme (alice and
amy) may see. Pre-moderation and rate limits are off for the matrix's personas."""

from __future__ import annotations

from collections.abc import Callable

MODS = ("mo", "ada", "root")


def forum(ctx) -> dict:
    cache = ctx.__dict__.setdefault("_community", {})
    if not cache:
        from django.core.files.base import ContentFile

        from community.models import Category, ModerationAction, PostImage, Tag, Visibility
        from community.services import (
            flag_create,
            post_answer,
            profile_for,
            thread_ask,
            thread_moderate,
        )
        from portal.models import Organisation

        ctx.settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
        ctx.settings.COMMUNITY_RATES = {
            "post": (10**6, 60),
            "vote": (10**6, 60),
            "flag": (10**6, 60),
        }
        alice, bob = ctx.users["alice"], ctx.users["bob"]
        public = Category.objects.create(name="Matrix public", slug="matrix-public")
        private = Category.objects.create(
            name="Matrix Acme",
            slug="matrix-acme",
            visibility=Visibility.ORGANISATION,
            organisation=Organisation.objects.get(slug="acme"),
        )
        thread = thread_ask(
            author=alice, category=public, title="Matrix router question", body="Blinking."
        )
        answer = post_answer(thread=thread, author=bob, body="Reset it.")
        hidden = thread_ask(
            author=alice, category=private, title="Matrix Acme question", body="Private."
        )
        thread_moderate(thread=thread, moderator=ctx.users["mo"], action="pin")
        ctx.settings.MEDIA_ROOT = str(ctx.tmp_path / "media")
        images = {}
        for name, post in (("image", answer), ("hidden_image", hidden.posts.get())):
            image = PostImage(post=post, original_name="a.png", content_type="image/png", size=8)
            image.file.save("upload", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
            image.save()
            images[name] = image.key
        cache.update(
            **images,
            public=public,
            private=private,
            thread=thread,
            question=thread.posts.get(is_question=True),
            answer=answer,
            hidden=hidden,
            hidden_question=hidden.posts.get(),
            flag=flag_create(post=answer, reporter=ctx.users["amy"], reason="spam"),
            alice_handle=profile_for(alice).handle,
            tag=Tag.objects.create(name="matrix", slug="matrix"),
            log=ModerationAction.objects.get(thread=thread, action="pin"),
        )
    return cache


def world(ctx) -> None:
    """Built once per module by the matrix (tests/portal/test_access_matrix.py: ``world``)."""
    forum(ctx)


def path(template: str) -> Callable:
    """``template`` formatted with the forum's objects' ids: {thread}, {hidden}, {question},
    {hidden_question}, {answer}, {flag}, {alice_handle}, {public}, {private} (slugs)."""

    def build(ctx) -> str:
        objects = forum(ctx)
        return template.format(
            thread=objects["thread"].pk,
            hidden=objects["hidden"].pk,
            question=objects["question"].pk,
            hidden_question=objects["hidden_question"].pk,
            answer=objects["answer"].pk,
            flag=objects["flag"].pk,
            alice_handle=objects["alice_handle"],
            image=objects["image"],
            hidden_image=objects["hidden_image"],
            public=objects["public"].slug,
            private=objects["private"].slug,
            category_pk=objects["public"].pk,
            tag=objects["tag"].pk,
            log=objects["log"].pk,
        )

    return build


def url_rows(m) -> dict:
    P, expect, signed_in, only, R, LOGIN = (
        m.Probe,
        m.expect,
        m.signed_in,
        m.only,
        m.Redirect,
        m.LOGIN,
    )
    acme_sees = {"bob": 404, "anonymous": 404}
    to_thread = R("/community/t/")
    mods_only = {"others": 403, "anonymous": LOGIN}

    def ask_data(ctx) -> dict:
        return {
            "title": "Matrix asked question",
            "body": "Text",
            "kind": "question",
            "category": forum(ctx)["public"].pk,
        }

    return {
        **admin_rows(m),
        "community:index": [P("GET", path("/community/"), expect(200))],
        "community:ask": [
            P("GET", path("/community/ask/"), signed_in(200)),
            P("POST", path("/community/ask/"), signed_in(to_thread), data=ask_data),
            P("POST", path("/community/ask/"), signed_in(400), data={"title": "x"}),
        ],
        "community:similar": [P("GET", path("/community/ask/similar/?title=router"), expect(200))],
        "community:category": [
            P("GET", path("/community/c/{public}/?sort=votes&page=9"), expect(200)),
            P("GET", path("/community/c/{private}/"), expect(200, **acme_sees)),
        ],
        "community:thread": [
            P("GET", path("/community/t/{thread}/"), expect(200)),
            P("GET", path("/community/t/{hidden}/"), expect(200, **acme_sees)),
        ],
        "community:answer": [
            P(
                "POST",
                path("/community/t/{thread}/answer/"),
                signed_in(to_thread),
                data={"body": "Matrix answer"},
            ),
            P(
                "POST",
                path("/community/t/{hidden}/answer/"),
                signed_in(to_thread, bob=404),
                data={"body": "Matrix answer"},
            ),
            P("GET", path("/community/t/{thread}/answer/"), signed_in(405)),
        ],
        "community:follow": [
            P(
                "POST",
                path("/community/t/{thread}/follow/"),
                signed_in(to_thread),
                data={"follow": "1"},
            ),
        ],
        "community:accept": [
            P(
                "POST",
                path("/community/t/{thread}/accept/"),
                signed_in(403, alice=to_thread, **dict.fromkeys(MODS, to_thread)),
                data=lambda ctx: {"post": forum(ctx)["answer"].pk},
            ),
        ],
        "community:vote": [
            P(
                "POST",
                path("/community/posts/{question}/vote/"),
                signed_in(to_thread, alice=422),
                data={"value": "1"},
                note="alice may not vote on her own question",
            ),
            P(
                "POST",
                path("/community/posts/{hidden_question}/vote/"),
                signed_in(to_thread, alice=422, bob=404),
                data={"value": "1"},
            ),
        ],
        "community:edit": [
            P(
                "GET",
                path("/community/posts/{question}/edit/"),
                signed_in(403, alice=200, **dict.fromkeys(MODS, 200)),
            ),
            P(
                "GET",
                path("/community/posts/{hidden_question}/edit/"),
                signed_in(403, alice=200, bob=404, **dict.fromkeys(MODS, 200)),
            ),
        ],
        "community:history": [
            P("GET", path("/community/posts/{answer}/history/"), expect(200)),
            P("GET", path("/community/posts/{hidden_question}/history/"), expect(200, **acme_sees)),
        ],
        "community:flag": [
            P("GET", path("/community/posts/{answer}/flag/"), signed_in(200)),
            P(
                "POST",
                path("/community/posts/{answer}/flag/"),
                signed_in(to_thread, bob=422, amy=422),
                data={"reason": "off_topic"},
                note="bob wrote it; amy flagged it already",
            ),
        ],
        "community:delete": [
            P(
                "POST",
                path("/community/posts/{answer}/delete/"),
                signed_in(403, bob=to_thread, **dict.fromkeys(MODS, to_thread)),
            ),
        ],
        "community:seen": [
            P("POST", path("/community/t/{thread}/seen/"), expect(204)),
            P("POST", path("/community/t/{hidden}/seen/"), expect(204, **acme_sees)),
        ],
        "community:image": [
            P("GET", path("/community/images/{image}/"), expect(200)),
            P("GET", path("/community/images/{hidden_image}/"), expect(200, **acme_sees)),
            P("GET", path("/community/images/{answer}/"), expect(404)),
        ],
        "community:member": [
            P("GET", path("/community/members/{alice_handle}/"), expect(200)),
            P("GET", path("/community/members/nobody-at-all/"), expect(404)),
        ],
        "community:moderation": [
            P("GET", path("/community/moderation/"), only(MODS, 200, **mods_only)),
        ],
        "community:moderation_log": [
            P("GET", path("/community/moderation/log/"), only(MODS, 200, **mods_only)),
        ],
        "community:moderate_post": [
            P(
                "POST",
                path("/community/moderation/posts/{answer}/"),
                only(MODS, to_thread, **mods_only),
                data={"action": "hide"},
            ),
        ],
        "community:moderate_flag": [
            P(
                "POST",
                path("/community/moderation/flags/{flag}/"),
                only(MODS, R("/community/moderation/"), **mods_only),
                data={"action": "dismiss"},
            ),
        ],
        "community:moderate_thread": [
            P(
                "POST",
                path("/community/moderation/t/{thread}/"),
                only(MODS, to_thread, **mods_only),
                data={"action": "lock"},
            ),
            P(
                "POST",
                path("/community/moderation/t/{thread}/"),
                only(MODS, 422, **mods_only),
                data={"action": "explode"},
            ),
        ],
        "community:moderate_thread_delete": [
            P(
                "POST",
                path("/community/moderation/t/{thread}/delete/"),
                only(MODS, R("/community/moderation/"), **mods_only),
            ),
        ],
        "community:moderate_thread_restore": [
            P(
                "POST",
                path("/community/moderation/t/{thread}/restore/"),
                only(MODS, to_thread, **mods_only),
                note="not deleted: nothing to restore, back to the thread",
            ),
        ],
        "community:moderate_thread_move": [
            P(
                "POST",
                path("/community/moderation/t/{thread}/move/"),
                only(MODS, 422, **mods_only),
                data={"category": "0"},
                note="no such category",
            ),
        ],
        "community:moderate_thread_merge": [
            P(
                "POST",
                path("/community/moderation/t/{thread}/merge/"),
                only(MODS, 422, **mods_only),
                data={"into": "999999999"},
                note="no such thread",
            ),
        ],
        "community:moderate_thread_ticket": [
            P(
                "POST",
                path("/community/moderation/t/{thread}/ticket/"),
                only(MODS, to_thread, **mods_only),
            ),
        ],
        "community:moderate_thread_article": [
            P(
                "POST",
                path("/community/moderation/t/{thread}/article/"),
                only(MODS, 422, **mods_only),
                note="no accepted answer to promote",
            ),
        ],
    }


def admin_rows(m) -> dict:
    """Our Wagtail admin pages: only admins get in (everyone else is bounced to sign in)."""
    views = {
        "community_categories": (
            "categories",
            ("index", "index_results", "add", "edit", "delete"),
            "category_pk",
        ),
        "community_tags": ("tags", ("index", "index_results", "add", "edit", "delete"), "tag"),
        "community_log": ("log", ("index", "index_results", "inspect"), "log"),
    }
    suffix = {
        "index": "",
        "index_results": "results/",
        "add": "new/",
        "edit": "edit/{pk}/",
        "delete": "delete/{pk}/",
        "inspect": "inspect/{pk}/",
    }
    rows = {}
    for namespace, (prefix, names, key) in views.items():
        for name in names:
            template = f"/admin/community/{prefix}/{suffix[name]}"
            fixed = template.split("{pk}")[0]
            rows[f"{namespace}:{name}"] = [
                m.Probe("GET", path(template.replace("{pk}", "{" + key + "}")), m.admin_only(fixed))
            ]
    rows["community_reports:community"] = [
        m.Probe(
            "GET",
            path("/admin/reports/community/?days=7"),
            m.admin_only("/admin/reports/community/"),
        ),
    ]
    rows["community_reports:community_results"] = [
        m.Probe(
            "GET",
            path("/admin/reports/community/results/"),
            m.admin_only("/admin/reports/community/results/"),
        ),
    ]
    return rows


def api_rows(m) -> dict:
    P, expect, signed_in = m.Probe, m.expect, m.signed_in
    base = "/api/v1/community"
    acme_sees = {"bob": 404, "anonymous": 404}

    def ask_body(ctx) -> dict:
        forum(ctx)
        return {"category": "matrix-public", "title": "Matrix API question", "body": "Text"}

    return {
        f"GET {base}/categories": [P("GET", path(f"{base}/categories"), expect(200))],
        f"GET {base}/threads": [
            P("GET", path(f"{base}/threads?state=unsolved"), expect(200)),
            P("GET", path(f"{base}/threads?limit=1000"), expect(422)),
        ],
        f"GET {base}/threads/{{thread_id}}": [
            P("GET", path(f"{base}/threads/{{thread}}"), expect(200)),
            P("GET", path(f"{base}/threads/{{hidden}}"), expect(200, **acme_sees)),
        ],
        f"POST {base}/threads": [
            P("POST", path(f"{base}/threads"), signed_in(201, anonymous=401), data=ask_body),
        ],
        f"POST {base}/threads/{{thread_id}}/answers": [
            P(
                "POST",
                path(f"{base}/threads/{{thread}}/answers"),
                signed_in(201, anonymous=401),
                data={"body": "Matrix API answer"},
            ),
            P(
                "POST",
                path(f"{base}/threads/{{hidden}}/answers"),
                signed_in(201, anonymous=401, bob=404),
                data={"body": "Matrix API answer"},
            ),
        ],
        f"POST {base}/posts/{{post_id}}/vote": [
            P(
                "POST",
                path(f"{base}/posts/{{question}}/vote"),
                signed_in(200, anonymous=401, alice=422),
                data={"value": 1},
            ),
        ],
        f"POST {base}/threads/{{thread_id}}/accept": [
            P(
                "POST",
                path(f"{base}/threads/{{thread}}/accept"),
                signed_in(403, anonymous=401, alice=200, **dict.fromkeys(MODS, 200)),
                data=lambda ctx: {"post_id": forum(ctx)["answer"].pk},
            ),
        ],
    }
