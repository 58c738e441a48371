"""The registry of what a notification can point at, and who may see it.

Each app registers its target models once, in its AppConfig.ready():

    from notifications.targets import register_target

    register_target(
        Post,
        can_view=can_view_post,                 # (user, post) -> bool: the app's own gate
        filter_visible=filter_visible_posts,    # (user, qs) -> qs: the same rule as a queryset
        url=lambda post: post.get_absolute_url(),
        describe=lambda post: _("your post “%(title)s”") % {"title": post.preview},
        queryset=lambda: Post.objects.select_related("group"),   # optional
    )

The gate is asked twice: when a notification is created (`can_view`, per recipient) and every
time notifications are listed or counted (`filter_visible`, one subquery per target type, so a
target that becomes hidden or is deleted disappears from the list and the unread count without
an N+1). `url` and `describe` must not query beyond what `queryset` selects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    from profiles.models import User


class UnregisteredTarget(LookupError):
    """notify() was given a target whose model no app registered."""


@dataclass(frozen=True)
class TargetType:
    model: type[Model]
    can_view: Callable[[User, Any], bool]
    filter_visible: Callable[[User, QuerySet], QuerySet]
    url: Callable[[Any], str]
    describe: Callable[[Any], str]
    queryset: Callable[[], QuerySet] | None = None

    def base_queryset(self) -> QuerySet:
        """The queryset targets are loaded from for display (owning select_related)."""
        return self.queryset() if self.queryset is not None else self.model._default_manager.all()

    def visible_ids(self, user: User) -> QuerySet:
        """Subquery of the primary keys of targets of this type the user may see (no query of its own)."""
        return self.filter_visible(user, self.model._default_manager.all()).values("pk")


_registry: dict[type[Model], TargetType] = {}


def register_target(
    model: type[Model],
    *,
    can_view: Callable[[User, Any], bool],
    filter_visible: Callable[[User, QuerySet], QuerySet],
    url: Callable[[Any], str],
    describe: Callable[[Any], str],
    queryset: Callable[[], QuerySet] | None = None,
) -> TargetType:
    """Make `model` a possible notification target, gated by the app's own permission functions.

    `can_view` and `filter_visible` must express the same rule (the tests of the registering app
    should check both with one allowed and one denied user). Registering the same model twice
    with different functions is an error; re-registering identically (app reload) is harmless.
    """
    entry = TargetType(
        model=model,
        can_view=can_view,
        filter_visible=filter_visible,
        url=url,
        describe=describe,
        queryset=queryset,
    )
    existing = _registry.get(model)
    if existing is not None and existing != entry:
        raise ValueError(f"{model._meta.label} is already registered as a notification target")
    _registry[model] = entry
    return entry


def target_type_for(obj_or_model: Model | type[Model]) -> TargetType:
    """The registration for an instance or model; raises UnregisteredTarget if there is none."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    model = model._meta.concrete_model
    try:
        return _registry[model]
    except KeyError:
        raise UnregisteredTarget(
            f"{model._meta.label} is not a notification target: call notifications.targets.register_target"
        ) from None


def registered_types() -> list[TargetType]:
    return list(_registry.values())


def content_type_ids() -> dict[int, TargetType]:
    """Registered types by ContentType id (ContentType's cache makes this query-free after warm-up)."""
    types = registered_types()
    by_model = ContentType.objects.get_for_models(*(t.model for t in types)) if types else {}
    return {by_model[t.model].pk: t for t in types}


def visible_q(user: User, *, type_ids: Iterable[int] | None = None) -> Q:
    """A filter on Notification keeping only rows whose target exists and the user may see.

    One `target_id IN (subquery)` per registered type, OR-ed: the whole check runs inside the
    list or count query itself. Rows of an unregistered type are never shown. `type_ids`
    (ContentType ids) leaves out the other types' checks, and so their rows: for callers that
    know which types their rows have (building each type's gate costs milliseconds).
    """
    condition = Q(pk__in=[])
    wanted = None if type_ids is None else set(type_ids)
    for ct_id, target_type in content_type_ids().items():
        if wanted is not None and ct_id not in wanted:
            continue
        condition |= Q(target_type_id=ct_id, target_id__in=target_type.visible_ids(user))
    return condition
