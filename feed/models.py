"""The activity feed: posts (plain, articles, praise, announcements), comments, reactions, tags.

Data and invariants only. Every write goes through feed/services.py, every read through
feed/selectors.py, and who may see what lives in feed/permissions.py.

Bodies are markdown; the sanitised HTML (with mention and hashtag links) is rendered once on
save into `body_html` and never on a page view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from moderation.models import ModerationState
from socialco.markdown import html_to_text

POST_BODY_MAX = 10_000
ARTICLE_BODY_MAX = 50_000
COMMENT_BODY_MAX = 5_000
TITLE_MAX = 200
MAX_IMAGES = 4
TAG_MAX = 50


class ReactionKind(models.TextChoices):
    """The fixed set of reactions, in display order."""

    LIKE = "like", _("Like")
    CELEBRATE = "celebrate", _("Celebrate")
    INSIGHTFUL = "insightful", _("Insightful")
    SUPPORT = "support", _("Support")
    FUNNY = "funny", _("Funny")


REACTION_EMOJI = {
    ReactionKind.LIKE: "👍",
    ReactionKind.CELEBRATE: "🎉",
    ReactionKind.INSIGHTFUL: "💡",
    ReactionKind.SUPPORT: "💚",
    ReactionKind.FUNNY: "😄",
}


class PraiseBadge(models.TextChoices):
    """The fixed set of praise badges."""

    THANK_YOU = "thank_you", _("Thank you")
    TEAM_PLAYER = "team_player", _("Team player")
    ABOVE_AND_BEYOND = "above_and_beyond", _("Above and beyond")
    GREAT_IDEA = "great_idea", _("Great idea")
    CUSTOMER_HERO = "customer_hero", _("Customer hero")
    MENTOR = "mentor", _("Mentor")


BADGE_EMOJI = {
    PraiseBadge.THANK_YOU: "🙏",
    PraiseBadge.TEAM_PLAYER: "🤝",
    PraiseBadge.ABOVE_AND_BEYOND: "🚀",
    PraiseBadge.GREAT_IDEA: "💡",
    PraiseBadge.CUSTOMER_HERO: "🏆",
    PraiseBadge.MENTOR: "🧭",
}


class Tag(models.Model):
    """A hashtag. `key` is the one normalised spelling (feed.parsing.tag_key); `name` is the
    first spelling seen, kept for display."""

    name = models.CharField(_("name"), max_length=TAG_MAX)
    key = models.CharField(_("key"), max_length=TAG_MAX, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TagFollow", related_name="followed_tags", blank=True
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return f"#{self.name}"


class TagFollow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_follows")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(_("followed"), default=timezone.now)

    class Meta:
        verbose_name = _("tag follow")
        verbose_name_plural = _("tag follows")
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="feed_tagfollow_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.tag_id}"


class Post(models.Model):
    """One item in the feed. `group` None means the whole company is the audience."""

    class Kind(models.TextChoices):
        POST = "post", _("Post")
        ARTICLE = "article", _("Article")
        PRAISE = "praise", _("Praise")
        QUESTION = "question", _("Question")  # created only by feed/questions/services.py

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="posts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.POST)
    group = models.ForeignKey(
        "groups.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="posts",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX, blank=True)
    body = models.TextField(_("body"), max_length=ARTICLE_BODY_MAX)
    body_html = models.TextField(_("rendered body"), blank=True, editable=False)
    # Articles: the first lines as plain text, for the card in the feed.
    summary = models.CharField(_("summary"), max_length=320, blank=True, editable=False)

    praise_badge = models.CharField(_("badge"), max_length=20, choices=PraiseBadge.choices, blank=True)
    praised = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("praised"), related_name="praise_received", blank=True
    )
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="post_mentions", blank=True)

    is_announcement = models.BooleanField(_("announcement"), default=False)
    pinned_until = models.DateTimeField(_("pinned until"), null=True, blank=True, default=None)
    must_read = models.BooleanField(_("must read"), default=False)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    # Written only by moderation (and by the services with the value screening gives at
    # creation): held and hidden posts are seen by their author and moderators only.
    moderation_state = models.CharField(
        _("moderation"),
        max_length=10,
        choices=ModerationState.choices,
        default=ModerationState.VISIBLE,
        db_index=True,
    )

    # Kept by the services so a feed page needs no COUNT per post.
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    reaction_counts = models.JSONField(_("reactions"), default=dict, blank=True, editable=False)
    # Bumped by every change to the rendered content: part of the fragment cache key.
    revision = models.PositiveIntegerField(default=1, editable=False)
    # The composer's one-time key: the same form submitted twice creates one post.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="feed_post_newest"),
            models.Index(fields=["group", "-created_at", "-id"], name="feed_post_group_newest"),
            models.Index(fields=["author", "-created_at", "-id"], name="feed_post_author_newest"),
            # Pinned announcements are looked up on every Home and Company page: a tiny partial
            # index instead of a scan of every post (found by `make bench`).
            models.Index(
                fields=["pinned_until"],
                condition=Q(is_announcement=True),
                name="feed_post_pinned_announcements",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="feed_post_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_announcement=False) | Q(group__isnull=True),
                name="feed_post_announcement_company_wide",
            ),
            models.CheckConstraint(
                condition=Q(is_announcement=True) | (Q(pinned_until__isnull=True) & Q(must_read=False)),
                name="feed_post_pin_and_must_read_need_announcement",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.body[:60]

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.QUESTION:
            return reverse("questions:detail", args=[self.pk])
        return reverse("feed:post_detail", args=[self.pk])

    @property
    def is_article(self) -> bool:
        return self.kind == self.Kind.ARTICLE

    @property
    def is_praise(self) -> bool:
        return self.kind == self.Kind.PRAISE

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @property
    def preview(self) -> str:
        """A short plain-text line for notifications and titles: the title, else the text."""
        text = self.title or html_to_text(self.body_html)
        return Truncator(text).chars(80)

    def is_pinned(self, now=None) -> bool:
        return bool(self.pinned_until and self.pinned_until > (now or timezone.now()))

    @property
    def badge_emoji(self) -> str:
        return BADGE_EMOJI.get(self.praise_badge, "")


class PostImage(models.Model):
    """An uploaded image, re-encoded by socialco.uploads; served only by feed:image after a
    visibility check. Attachments have positions 0-3; an article's cover has role COVER."""

    class Role(models.TextChoices):
        ATTACHMENT = "attachment", _("Attachment")
        COVER = "cover", _("Cover")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.ATTACHMENT)
    position = models.PositiveSmallIntegerField(default=0)
    large = models.CharField(max_length=200)
    small = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["post", "position", "id"]
        verbose_name = _("post image")
        verbose_name_plural = _("post images")

    def __str__(self) -> str:
        return f"image {self.position} of post {self.post_id}"

    def file_name(self, size: str) -> str:
        return self.small if size == "small" else self.large


class PostRevision(models.Model):
    """An earlier version of a post, kept on every edit. `created_at` is when that version was written."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")

    def __str__(self) -> str:
        return f"post {self.post_id} as of {self.created_at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    """A comment on a post, or a reply to one (one level: a reply's parent is always top-level)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_comments"
    )
    body = models.TextField(_("comment"), max_length=COMMENT_BODY_MAX)
    body_html = models.TextField(blank=True, editable=False)
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="comment_mentions", blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    # Written only by moderation (and by the services with the value screening gives at creation).
    moderation_state = models.CharField(
        _("moderation"),
        max_length=10,
        choices=ModerationState.choices,
        default=ModerationState.VISIBLE,
        db_index=True,
    )
    reaction_counts = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["post", "created_at", "id"], name="feed_comment_post_order")]

    def __str__(self) -> str:
        return self.body[:60]

    def get_absolute_url(self) -> str:
        return reverse("feed:post_detail", args=[self.post_id]) + f"#comment-{self.pk}"


class CommentRevision(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"comment {self.comment_id} as of {self.created_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    """One person's one reaction to a post or to a comment (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_reactions"
    )
    kind = models.CharField(_("reaction"), max_length=12, choices=ReactionKind.choices)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(post__isnull=False) & Q(comment__isnull=True))
                | (Q(post__isnull=True) & Q(comment__isnull=False)),
                name="feed_reaction_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(post__isnull=False), name="feed_reaction_one_per_post"
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="feed_reaction_one_per_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.user_id}"


class Acknowledgement(models.Model):
    """ "I have read this" on a must-read announcement."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="feed_acknowledgement_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.post_id}"


class PostSeen(models.Model):
    """The person has had the post in front of them: it was on a feed page they rendered (Home,
    Company, a group, a tag, a person) or they opened it. Recorded by feed/seen.py only for recent
    posts (what a digest may still suggest) and pruned after that window; the digest's
    "most-reacted posts you have not seen" leaves these out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("seen post")
        verbose_name_plural = _("seen posts")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="feed_postseen_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.post_id}"


# Questions and answers (registered here so Django finds them in the feed app).
from feed.questions.models import Answer, AnswerVote, ExpertRequest, Question  # noqa: E402, F401
