"""Every write to the feed: posts, comments, reactions, acknowledgements, tag follows.

Each function is keyword-only, validates before it writes, runs in one transaction, and
announces what happened only after the commit (live events in feed/events.py, notifications
in feed/notifications.py: one call site per event).

Bad input raises ValidationError with a message per field (the doors show them next to the
kept text); a forbidden action raises PermissionDenied (or Http404 where the thing must
look absent); too many posts or comments raise socialco.ratelimits.RateLimitExceeded
(limits from the site policy).

Every text written or edited is screened by moderation's rules (scope "posts", "comments";
question texts "answers"): ContentBlocked / ConfirmationRequired (both ScreeningError) are
raised before anything is written, `confirmed=True` is the author's "post anyway"; held
content is stored with `moderation_state="held"` (seen by its author and moderators only,
no live event) and goes to the review queue, as does confirmed-warned content.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from feed import events, notifications
from feed.models import (
    ARTICLE_BODY_MAX,
    COMMENT_BODY_MAX,
    MAX_IMAGES,
    POST_BODY_MAX,
    TITLE_MAX,
    Acknowledgement,
    Comment,
    CommentRevision,
    Post,
    PostImage,
    PostRevision,
    PraiseBadge,
    Reaction,
    ReactionKind,
    Tag,
    TagFollow,
)
from feed.parsing import MentionLink, find_tokens, handle_email, link_tokens
from feed.permissions import (
    can_acknowledge,
    can_comment_on_post,
    can_delete_comment,
    can_delete_post,
    can_edit_comment,
    can_edit_post,
    can_post_announcement,
    can_react,
    check_post_in_audience_permission,
)
from groups.models import Group
from moderation.models import ModerationState, Scope
from moderation.services import ScreenResult, enforce_screening, screening_record
from socialco.markdown import render_markdown, sanitise_html
from socialco.ratelimits import RateLimitAction, check_rate_limit
from socialco.uploads import ProcessedImage, process_image

User = get_user_model()

IMAGE_SIZES = {"large": 1600, "small": 640}
COVER_SIZES = {"large": 1600, "small": 800}


# Rich text ---------------------------------------------------------------------------------
@dataclass
class RichText:
    html: str
    mentioned: list  # active Users, in order of first mention
    tags: list[Tag]


def resolve_handles(handles: Iterable[str]) -> dict[str, User]:
    """Active people for `@handle`s (lower-case handle -> User); unknown handles are left out."""
    by_email = {handle_email(h): h for h in handles}
    if not by_email:
        return {}
    found = User.objects.filter(is_active=True, email__in=list(by_email))
    return {by_email[user.email.lower()]: user for user in found if user.email.lower() in by_email}


def tags_get_or_create(names: dict[str, str]) -> list[Tag]:
    """The Tag for each key (key -> first spelling), created where missing; three queries at most."""
    if not names:
        return []
    existing = {tag.key: tag for tag in Tag.objects.filter(key__in=list(names))}
    missing = [Tag(key=key, name=name) for key, name in names.items() if key not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.key: tag for tag in Tag.objects.filter(key__in=list(names))}
    return [existing[key] for key in names if key in existing]


def render_rich_text(text: str, *, compact: bool) -> RichText:
    """Markdown to sanitised HTML with @mentions linked to people and #hashtags to tag pages.

    Creates the tags it finds. The links point at feed URLs that never change (feed:person_link
    forwards to the profile), so stored HTML stays valid.
    """
    html = render_markdown(text, compact=compact)
    tokens = find_tokens(html)
    people = resolve_handles(tokens.handles)
    tags = tags_get_or_create(tokens.tags)
    html = link_tokens(
        html,
        mentions={
            handle: MentionLink(url=reverse("feed:person_link", args=[user.pk]), label=user.display_name)
            for handle, user in people.items()
        },
        tags={tag.key: reverse("feed:tag", args=[tag.key]) for tag in tags},
    )
    mentioned = [people[h] for h in tokens.handles if h in people]
    # Our own links pass the allowlist too; sanitising again costs little and proves it.
    return RichText(html=sanitise_html(html, compact=compact), mentioned=mentioned, tags=tags)


def _summary(html: str) -> str:
    return Truncator(" ".join(strip_tags(html).split())).chars(300)


# Validation ----------------------------------------------------------------------------------
def _check_body(errors: dict, text: str, *, limit: int, field: str = "body") -> None:
    if not text.strip():
        errors.setdefault(field, []).append(_("Write something first."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(
            _("This is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(text):,}", "limit": f"{limit:,}"}
        )


def _process_uploads(errors: dict, uploads: Sequence, *, field: str, sizes: dict) -> list[dict]:
    processed = []
    for upload in uploads:
        try:
            processed.append(process_image(upload, sizes=sizes))
        except ValidationError as exc:
            name = getattr(upload, "name", "") or _("image")
            for message in exc.messages:
                errors.setdefault(field, []).append(f"{name}: {message}")
    return processed


def _store_images(post: Post, processed: list[dict[str, ProcessedImage]], *, role: str) -> None:
    for position, sizes in enumerate(processed):
        folder = f"feed/{uuid.uuid4().hex}"
        names = {
            size: default_storage.save(f"{folder}/{size}{image.extension}", image.content)
            for size, image in sizes.items()
        }
        PostImage.objects.create(
            post=post,
            role=role,
            position=position,
            large=names["large"],
            small=names["small"],
            width=sizes["large"].width,
            height=sizes["large"].height,
        )


# Screening -----------------------------------------------------------------------------------
def screened_text(*, title: str, body: str) -> str:
    """What moderation's rules read for a post: its title (articles, questions) and its body."""
    return f"{title}\n\n{body}" if title else body


def post_scope(kind: str) -> str:
    """The rules' scope for a post of `kind`: questions are screened with answers."""
    return Scope.ANSWERS if kind == Post.Kind.QUESTION else Scope.POSTS


def apply_edit_screening(obj: Post | Comment, result: ScreenResult) -> bool:
    """After an edit of `obj` was screened: a hold rule holds visible content again (written
    here, the one state a content app may write), held or flagged edits go to the queue.
    Content a moderator hid stays hidden whatever the new text (its author may appeal).
    Returns True when the edit made visible content held."""
    if obj.moderation_state == ModerationState.HIDDEN:
        return False
    newly_held = result.is_held and obj.moderation_state == ModerationState.VISIBLE
    if newly_held:
        type(obj).objects.filter(pk=obj.pk).update(moderation_state=ModerationState.HELD)
        obj.moderation_state = ModerationState.HELD
    screening_record(target=obj, result=result)
    return newly_held


# Posts ---------------------------------------------------------------------------------------
@transaction.atomic
def post_create(
    *,
    author,
    body: str,
    kind: str = Post.Kind.POST,
    group: Group | None = None,
    title: str = "",
    images: Sequence = (),
    cover=None,
    praise_badge: str = "",
    praised: Sequence = (),
    is_announcement: bool = False,
    pinned_until: datetime | None = None,
    must_read: bool = False,
    idempotency_key: uuid.UUID | None = None,
    confirmed: bool = False,
) -> Post:
    """Create a post, an article or a praise, with up to four images.

    If the author already created a post with `idempotency_key`, that post is returned and
    nothing is written (a form submitted twice creates one post). Raises PermissionDenied if
    the author may not post in `group` or announce; ValidationError for bad input (nothing is
    saved); ContentBlocked / ConfirmationRequired (screening, `confirmed` = "post anyway");
    RateLimitExceeded. After the commit: the live "new post" event and notifications for
    mentioned and praised people, and must-read announcements (none of them for a held post:
    nobody else may see it).
    """
    if idempotency_key is not None:
        existing = Post.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    check_post_in_audience_permission(author, group)
    if is_announcement and not can_post_announcement(author):
        raise PermissionDenied("You cannot post announcements.")

    errors: dict[str, list[str]] = {}
    if kind not in Post.Kind.values or kind == Post.Kind.QUESTION:  # questions: feed.questions.services
        errors["kind"] = [_("Choose a kind of post.")]
    limit = ARTICLE_BODY_MAX if kind == Post.Kind.ARTICLE else POST_BODY_MAX
    _check_body(errors, body, limit=limit)
    title = " ".join(title.split())
    if kind == Post.Kind.ARTICLE:
        if not title:
            errors["title"] = [_("An article needs a title.")]
        elif len(title) > TITLE_MAX:
            errors["title"] = [_("Keep the title under %(limit)s characters.") % {"limit": TITLE_MAX}]
    else:
        title = ""
    praised = list(dict.fromkeys(praised))
    if kind == Post.Kind.PRAISE:
        if not praised:
            errors["praised"] = [_("Name at least one colleague to praise.")]
        elif any(person.pk == author.pk for person in praised):
            errors["praised"] = [_("Praise is for colleagues, not for yourself.")]
        elif any(not person.is_active for person in praised):
            errors["praised"] = [_("You can only praise active colleagues.")]
        if praise_badge not in PraiseBadge.values:
            errors["praise_badge"] = [_("Choose a badge.")]
    else:
        praise_badge, praised = "", []
    if len(images) > MAX_IMAGES:
        errors["images"] = [
            _("You can attach up to %(limit)s images; you chose %(count)s.")
            % {"limit": MAX_IMAGES, "count": len(images)}
        ]
    if is_announcement:
        if group is not None:
            errors["group"] = [_("Announcements go to the whole company.")]
        if pinned_until is not None and pinned_until <= timezone.now():
            errors["pinned_until"] = [_("Choose a date in the future.")]
    else:
        pinned_until, must_read = None, False
    if errors:  # refuse before decoding any image
        raise ValidationError(errors)
    processed = _process_uploads(errors, images, field="images", sizes=IMAGE_SIZES)
    processed_cover = (
        _process_uploads(errors, [cover], field="cover", sizes=COVER_SIZES)
        if cover is not None and kind == Post.Kind.ARTICLE
        else []
    )
    if errors:
        raise ValidationError(errors)
    screening = enforce_screening(
        text=screened_text(title=title, body=body), scope=Scope.POSTS, author=author, confirmed=confirmed
    )
    check_rate_limit(author, RateLimitAction.POST)

    rich = render_rich_text(body, compact=False)
    post = Post(
        author=author,
        kind=kind,
        group=group,
        title=title,
        body=body,
        body_html=rich.html,
        summary=_summary(rich.html) if kind == Post.Kind.ARTICLE else "",
        praise_badge=praise_badge,
        is_announcement=is_announcement,
        pinned_until=pinned_until,
        must_read=must_read,
        idempotency_key=idempotency_key,
        moderation_state=screening.moderation_state,
    )
    post.full_clean(exclude=["author", "group"])
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:
        # The same form won a race with itself: hand back the first one.
        existing = Post.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    post.tags.set(rich.tags)
    post.mentioned.set(rich.mentioned)
    if praised:
        post.praised.set(praised)
    _store_images(post, processed, role=PostImage.Role.ATTACHMENT)
    _store_images(post, processed_cover, role=PostImage.Role.COVER)
    screening_record(target=post, result=screening)
    if post.moderation_state != ModerationState.VISIBLE:
        return post

    events.post_created(post)
    notifications.mentioned_in_post(post, list(dict.fromkeys([*rich.mentioned, *praised])))
    if must_read:
        notifications.must_read_announcement(post)
    return post


@transaction.atomic
def post_edit(*, post: Post, editor, body: str, title: str | None = None, confirmed: bool = False) -> Post:
    """Change a post's text (and an article's title), keeping the previous version.

    Raises PermissionDenied unless the editor may edit it; ValidationError for bad input;
    ContentBlocked / ConfirmationRequired (the new text is screened; a hold rule holds the
    post again and drops it live for everyone else). People newly mentioned by the edit are
    notified (once, after the commit).
    """
    post = Post.objects.select_for_update(of=("self",)).select_related("group").get(pk=post.pk)
    if not can_edit_post(editor, post):
        raise PermissionDenied("You cannot edit this post.")
    errors: dict[str, list[str]] = {}
    _check_body(errors, body, limit=ARTICLE_BODY_MAX if post.is_article else POST_BODY_MAX)
    new_title = post.title
    if post.is_article and title is not None:
        new_title = " ".join(title.split())
        if not new_title:
            errors["title"] = [_("An article needs a title.")]
        elif len(new_title) > TITLE_MAX:
            errors["title"] = [_("Keep the title under %(limit)s characters.") % {"limit": TITLE_MAX}]
    if errors:
        raise ValidationError(errors)
    if body == post.body and new_title == post.title:
        return post
    screening = enforce_screening(
        text=screened_text(title=new_title, body=body),
        scope=post_scope(post.kind),
        author=editor,
        confirmed=confirmed,
    )

    rich = render_rich_text(body, compact=False)
    PostRevision.objects.create(
        post=post,
        title=post.title,
        body=post.body,
        body_html=post.body_html,
        created_at=post.edited_at or post.created_at,
    )
    already = set(post.mentioned.values_list("id", flat=True))
    post.title = new_title
    post.body = body
    post.body_html = rich.html
    if post.is_article:
        post.summary = _summary(rich.html)
    post.edited_at = timezone.now()
    post.revision += 1
    post.full_clean(exclude=["author", "group"])
    post.save()
    if post.is_question:  # a question keeps its chosen tags; hashtags in the text add to them
        post.tags.add(*rich.tags)
    else:
        post.tags.set(rich.tags)
    post.mentioned.set(rich.mentioned)
    if apply_edit_screening(post, screening):
        events.post_removed(post)
    notifications.mentioned_in_post(post, [user for user in rich.mentioned if user.pk not in already])
    return post


@transaction.atomic
def post_delete(*, post: Post, actor) -> None:
    """Soft-delete: the post disappears from every door at once; the rows stay for moderation.

    Raises PermissionDenied unless the actor is its author or a moderator.
    """
    post = Post.objects.select_for_update(of=("self",)).get(pk=post.pk)
    if not can_delete_post(actor, post):
        raise PermissionDenied("You cannot delete this post.")
    post.deleted_at = timezone.now()
    post.revision += 1
    post.save(update_fields=["deleted_at", "revision"])
    events.post_removed(post)


# Comments ------------------------------------------------------------------------------------
def _visible_comment_count(post: Post) -> int:
    """Comments everyone who sees the post sees: live, not held or hidden, nor under such a one."""
    return (
        Comment.objects.filter(post=post, deleted_at__isnull=True, moderation_state=ModerationState.VISIBLE)
        .exclude(parent__deleted_at__isnull=False)
        .exclude(parent__moderation_state__in=[ModerationState.HELD, ModerationState.HIDDEN])
        .count()
    )


def comment_recount(post_id: int) -> None:
    """Store the post's visible comment count again (after moderation held, hid or restored one)."""
    post = Post.objects.get(pk=post_id)
    Post.objects.filter(pk=post_id).update(comment_count=_visible_comment_count(post))


@transaction.atomic
def comment_create(
    *, post: Post, author, body: str, parent: Comment | None = None, confirmed: bool = False
) -> Comment:
    """Comment on a post the author may see (the door has checked), or reply to a comment.

    A reply to a reply attaches to the top-level comment: one level of replies. Raises
    PermissionDenied if the author may not comment; ValidationError for bad input;
    ContentBlocked / ConfirmationRequired (screening, scope "comments").
    After the commit: the live event, and notifications for the post's author, the replied-to
    comment's author and mentioned people (none of them for a held comment).
    """
    if not can_comment_on_post(author, post):
        raise PermissionDenied("You cannot comment on this post.")
    if parent is not None:
        if parent.post_id != post.pk or parent.deleted_at is not None:
            raise ValidationError({"parent": [_("That comment is no longer there.")]})
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
    errors: dict[str, list[str]] = {}
    _check_body(errors, body, limit=COMMENT_BODY_MAX)
    if errors:
        raise ValidationError(errors)
    screening = enforce_screening(text=body, scope=Scope.COMMENTS, author=author, confirmed=confirmed)
    check_rate_limit(author, RateLimitAction.COMMENT)
    rich = render_rich_text(body, compact=True)
    comment = Comment(
        post=post,
        parent=parent,
        author=author,
        body=body,
        body_html=rich.html,
        moderation_state=screening.moderation_state,
    )
    comment.full_clean(exclude=["post", "parent", "author"])
    comment.save()
    comment.mentioned.set(rich.mentioned)
    screening_record(target=comment, result=screening)
    if comment.moderation_state != ModerationState.VISIBLE:
        return comment
    Post.objects.filter(pk=post.pk).update(comment_count=_visible_comment_count(post))
    post.refresh_from_db(fields=["comment_count"])

    events.comment_created(comment)
    notifications.commented(comment, rich.mentioned)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, editor, body: str, confirmed: bool = False) -> Comment:
    """Change a comment's text, keeping the previous version. PermissionDenied / ValidationError;
    ContentBlocked / ConfirmationRequired (a hold rule holds the comment again)."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related("post").get(pk=comment.pk)
    if not can_edit_comment(editor, comment):
        raise PermissionDenied("You cannot edit this comment.")
    errors: dict[str, list[str]] = {}
    _check_body(errors, body, limit=COMMENT_BODY_MAX)
    if errors:
        raise ValidationError(errors)
    if body == comment.body:
        return comment
    screening = enforce_screening(text=body, scope=Scope.COMMENTS, author=editor, confirmed=confirmed)
    rich = render_rich_text(body, compact=True)
    CommentRevision.objects.create(
        comment=comment,
        body=comment.body,
        body_html=comment.body_html,
        created_at=comment.edited_at or comment.created_at,
    )
    already = set(comment.mentioned.values_list("id", flat=True))
    comment.body = body
    comment.body_html = rich.html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    comment.mentioned.set(rich.mentioned)
    if apply_edit_screening(comment, screening):
        comment_recount(comment.post_id)
        comment.post.refresh_from_db(fields=["comment_count"])
        events.comment_removed(comment)
        return comment
    events.comment_changed(comment)
    notifications.mentioned_in_comment_edit(
        comment, [user for user in rich.mentioned if user.pk not in already]
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor) -> None:
    """Soft-delete a comment (its replies go with it). PermissionDenied unless allowed."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related("post").get(pk=comment.pk)
    if not can_delete_comment(actor, comment):
        raise PermissionDenied("You cannot delete this comment.")
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at"])
    post = comment.post
    Post.objects.filter(pk=post.pk).update(comment_count=_visible_comment_count(post))
    post.refresh_from_db(fields=["comment_count"])
    events.comment_removed(comment)


# Reactions -----------------------------------------------------------------------------------
def _recount(*, post: Post | None = None, comment: Comment | None = None) -> dict[str, int]:
    target = {"post": post} if post is not None else {"comment": comment}
    rows = Reaction.objects.filter(**target).values("kind").annotate(n=Count("id"))
    counts = {row["kind"]: row["n"] for row in rows}
    ordered = {kind: counts[kind] for kind in ReactionKind.values if counts.get(kind)}
    model = Post if post is not None else Comment
    model.objects.filter(pk=(post or comment).pk).update(reaction_counts=ordered)
    (post or comment).reaction_counts = ordered
    return ordered


def _reaction_target(post: Post | None, comment: Comment | None) -> Post:
    if (post is None) == (comment is None):
        raise ValueError("react to exactly one post or comment")
    return post if post is not None else comment.post


@transaction.atomic
def reaction_set(*, user, kind: str, post: Post | None = None, comment: Comment | None = None) -> Reaction:
    """Set the user's one reaction on a post or a comment the door has shown them (replacing
    a different one). ValidationError for an unknown kind; PermissionDenied if not allowed.
    The item's author is notified of a new reaction (notifications aggregate them)."""
    the_post = _reaction_target(post, comment)
    if not can_react(user, the_post) or (comment is not None and comment.deleted_at is not None):
        raise PermissionDenied("You cannot react to this.")
    if kind not in ReactionKind.values:
        raise ValidationError({"kind": [_("Choose one of the reactions offered.")]})
    target = {"post": post} if post is not None else {"comment": comment}
    reaction = Reaction.objects.select_for_update(of=("self",)).filter(user=user, **target).first()
    created = reaction is None
    if created:
        reaction = Reaction.objects.create(user=user, kind=kind, **target)
    elif reaction.kind != kind:
        reaction.kind = kind
        reaction.save(update_fields=["kind"])
    else:
        return reaction
    counts = _recount(**target)
    events.reactions_changed(the_post, comment, counts)
    if created:
        notifications.reacted(reaction)
    return reaction


@transaction.atomic
def reaction_remove(*, user, post: Post | None = None, comment: Comment | None = None) -> None:
    """Remove the user's reaction, if any."""
    the_post = _reaction_target(post, comment)
    target = {"post": post} if post is not None else {"comment": comment}
    deleted, _ = Reaction.objects.filter(user=user, **target).delete()
    if deleted:
        counts = _recount(**target)
        events.reactions_changed(the_post, comment, counts)
        notifications.reaction_withdrawn(user=user, item=post if post is not None else comment)


# Announcements -------------------------------------------------------------------------------
@transaction.atomic
def acknowledgement_create(*, post: Post, user) -> Acknowledgement:
    """ "I have read this" on a must-read announcement; idempotent. PermissionDenied otherwise."""
    if not can_acknowledge(user, post):
        raise PermissionDenied("There is nothing to acknowledge here.")
    acknowledgement, _ = Acknowledgement.objects.get_or_create(post=post, user=user)
    notifications.must_read_acknowledged(post, user)
    return acknowledgement


# Tags ----------------------------------------------------------------------------------------
def tag_follow(*, user, tag: Tag) -> None:
    """Follow a tag: its posts appear in the user's Home feed. Idempotent."""
    TagFollow.objects.get_or_create(user=user, tag=tag)


def tag_unfollow(*, user, tag: Tag) -> None:
    TagFollow.objects.filter(user=user, tag=tag).delete()
