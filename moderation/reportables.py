"""The registry of content moderation can act on: what can be reported, held and hidden.

Each content app registers its models once, in its AppConfig.ready() (docs/moderation.md):

    from moderation.models import Scope
    from moderation.reportables import ThreadEntry, ItemContext, register_reportable

    register_reportable(
        Post,
        scope=Scope.POSTS,
        can_view=can_view_post,                 # (user, post) -> bool: the app's own gate
        author_field="author",                  # lookup from the model to the author
        text=lambda post: post.body,            # what is screened, reported and shown
        context=post_context,                   # (post) -> ItemContext: the immediate thread
        place=lambda post: post.group.name,     # one line for queue rows; no query beyond queryset
        url=lambda post: post.get_absolute_url(),
        queryset=lambda: Post.objects.select_related("author", "group"),
        hide=None, restore=None,                # optional side effects (see below)
    )

Moderation keeps the content's state in its own `ModerationItem` row and, when the model has a
`moderation_state` field (the convention for posts, comments, answers and chat messages), writes
the same value there in the same transaction, so the content app's selectors filter on a plain
column. `hide(obj)` / `restore(obj)` are called after that, inside the transaction, for side
effects such as telling open sockets to drop a chat message; use `transaction.on_commit`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

if TYPE_CHECKING:
    from profiles.models import User


class UnregisteredReportable(LookupError):
    """A model nobody registered with `register_reportable` was reported, held or screened."""


@dataclass(frozen=True)
class ThreadEntry:
    """One message of the immediate thread shown to moderators around a reported item."""

    author_name: str
    text: str
    created_at: datetime.datetime | None = None
    is_target: bool = False


@dataclass(frozen=True)
class ItemContext:
    """What a moderator sees around an item: where it lives and the thread it belongs to."""

    place: str = ""  # e.g. the group's name, "Profile", "Chat with Ana and Ben"
    thread: list[ThreadEntry] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, value) rows


@dataclass(frozen=True)
class Reportable:
    model: type[Model]
    scope: str
    label: Any
    can_view: Callable[[User, Any], bool]
    author_field: str
    text: Callable[[Any], str]
    context: Callable[[Any], ItemContext] | None = None
    place: Callable[[Any], str] | None = None
    url: Callable[[Any], str] | None = None
    queryset: Callable[[], QuerySet] | None = None
    hide: Callable[[Any], None] | None = None
    restore: Callable[[Any], None] | None = None

    def base_queryset(self) -> QuerySet:
        return self.queryset() if self.queryset is not None else self.model._default_manager.all()

    def author_of(self, obj: Model) -> User | None:
        """The author, following `author_field` ("pk" means the object is the person)."""
        if self.author_field == "pk":
            return obj  # type: ignore[return-value]
        value: Any = obj
        for part in self.author_field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def author_lookup(self) -> str:
        """The queryset lookup comparing the author with a user (e.g. "author", "pk")."""
        return self.author_field

    def has_state_field(self) -> bool:
        return any(f.name == "moderation_state" for f in self.model._meta.get_fields())

    def context_for(self, obj: Model) -> ItemContext:
        return self.context(obj) if self.context is not None else ItemContext()

    def place_for(self, obj: Model) -> str:
        """Where the item lives (a group's name...), cheap enough for every queue row."""
        return self.place(obj) if self.place is not None else ""

    def url_for(self, obj: Model) -> str:
        if self.url is not None:
            return self.url(obj)
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""

    @property
    def type_key(self) -> str:
        """ "app_label.model", how report links and the API name this kind of content."""
        return self.model._meta.label_lower


_registry: dict[type[Model], Reportable] = {}


def register_reportable(
    model: type[Model],
    *,
    scope: str,
    can_view: Callable[[User, Any], bool],
    author_field: str,
    text: Callable[[Any], str],
    label: Any = "",
    context: Callable[[Any], ItemContext] | None = None,
    place: Callable[[Any], str] | None = None,
    url: Callable[[Any], str] | None = None,
    queryset: Callable[[], QuerySet] | None = None,
    hide: Callable[[Any], None] | None = None,
    restore: Callable[[Any], None] | None = None,
) -> Reportable:
    """Let `model` be reported, held and hidden. Re-registering identically is harmless."""
    entry = Reportable(
        model=model,
        scope=str(scope),
        label=label or model._meta.verbose_name,
        can_view=can_view,
        author_field=author_field,
        text=text,
        context=context,
        place=place,
        url=url,
        queryset=queryset,
        hide=hide,
        restore=restore,
    )
    existing = _registry.get(model)
    if existing is not None and existing != entry:
        raise ValueError(f"{model._meta.label} is already registered as reportable")
    _registry[model] = entry
    return entry


def reportable_for(obj_or_model: Model | type[Model]) -> Reportable:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    model = model._meta.concrete_model
    try:
        return _registry[model]
    except KeyError:
        raise UnregisteredReportable(
            f"{model._meta.label} is not reportable: call moderation.reportables.register_reportable"
        ) from None


def reportable_by_key(type_key: str) -> Reportable | None:
    """The registration for "app_label.model", or None."""
    for entry in _registry.values():
        if entry.type_key == type_key.lower():
            return entry
    return None


def registered() -> list[Reportable]:
    return list(_registry.values())


def by_content_type_id() -> dict[int, Reportable]:
    entries = registered()
    by_model = ContentType.objects.get_for_models(*(e.model for e in entries)) if entries else {}
    return {by_model[e.model].pk: e for e in entries}
