"""Every write to the forum goes through these functions (pages, API, demo, admin).

Split by subject: ``posting`` (ask, answer, edit), ``qa`` (votes, accepted answers, follows,
views), ``moderation`` (flags, queue, thread actions, ticket and KB conversions),
``reputation`` (the ledger), ``notify`` (mentions and followers), ``digest`` (the followed
threads' email digest).
"""

from community.services.common import CommunityError, RateLimited, profile_for
from community.services.digest import digest_send, digests_send
from community.services.moderation import (
    answer_promote,
    flag_create,
    flag_resolve,
    post_approve,
    post_delete,
    post_hide,
    post_reject,
    thread_delete,
    thread_merge,
    thread_moderate,
    thread_move,
    thread_to_ticket,
)
from community.services.posting import post_answer, post_edit, thread_ask
from community.services.qa import (
    answer_accept,
    answer_unaccept,
    thread_follow,
    thread_unfollow,
    thread_view_record,
    vote_cast,
)
from community.services.reputation import reputation_recompute

__all__ = [
    "CommunityError",
    "RateLimited",
    "answer_accept",
    "answer_promote",
    "answer_unaccept",
    "digest_send",
    "digests_send",
    "flag_create",
    "flag_resolve",
    "post_answer",
    "post_approve",
    "post_delete",
    "post_edit",
    "post_hide",
    "post_reject",
    "profile_for",
    "reputation_recompute",
    "thread_ask",
    "thread_delete",
    "thread_follow",
    "thread_merge",
    "thread_moderate",
    "thread_move",
    "thread_to_ticket",
    "thread_unfollow",
    "thread_view_record",
    "vote_cast",
]
