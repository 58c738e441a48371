"""The feed's HTML pages and htmx partials: parse -> check -> service/selector -> render.

Every post, comment, image and feed goes through feed/permissions.py (directly or via
feed/selectors.py); a post the viewer may not see answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feed import selectors, services
from feed.cards import attach_card_html
from feed.display import (
    all_comments,
    attach_moderation_links,
    decorate_comments,
    decorate_posts,
    reaction_items,
)
from feed.forms import CommentForm, PostEditForm, PostForm, confirmed_by_author, screening_to_form
from feed.fragments import attach_content_html
from feed.models import Comment, Post, PostImage
from feed.parsing import mention_handle, tag_key
from feed.permissions import (
    can_acknowledge,
    can_comment_on_post,
    can_delete_comment,
    can_edit_comment,
    can_edit_post,
    can_post_announcement,
    can_react,
    can_view_acknowledgements,
    check_view_comment_permission,
    check_view_post_permission,
    filter_visible_comments,
)
from feed.seen import posts_mark_seen
from feed.selectors import BadCursor, FeedSpec
from groups.permissions import can_post_in_group, can_view_group_content, check_view_group_permission
from moderation.services import ScreeningError
from profiles.permissions import can_follow
from profiles.selectors import is_following
from socialco.protected_files import serve_protected_file
from socialco.ratelimits import RateLimitExceeded

User = get_user_model()


# Feeds ---------------------------------------------------------------------------------------
def _render_feed(request: HttpRequest, spec: FeedSpec, template: str, context: dict) -> HttpResponse:
    """A feed page, or (htmx with a cursor) the next page of posts for "load more"."""
    user = request.user
    cursor = request.GET.get("cursor") or None
    page_size = selectors.clamp_page_size(request.GET.get("page_size"))
    try:
        page = selectors.feed_page(user, spec, cursor=cursor, page_size=page_size)
    except BadCursor:
        return HttpResponseBadRequest(_("This link to more posts is not valid."))
    groups = selectors.writable_groups(user)
    writable_ids = {group.pk for group in groups}
    shown = page.pinned + page.posts
    posts_mark_seen(user=user, posts=shown)
    decorate_posts(user, shown, writable_group_ids=writable_ids)
    attach_moderation_links(shown, [c for post in shown for c in post.preview_comments])
    attach_card_html(request, shown, pinned_ids={post.pk for post in page.pinned})
    context.update(
        {
            "page": page,
            "spec": spec,
            "live_key": context.get("live_key", ""),
            "more_url": _more_url(request, page.next_cursor, page_size),
        }
    )
    if request.htmx and cursor:
        return render(request, "feed/partials/posts_page.html", context)
    context.setdefault(
        "composer", _composer(request, groups=groups, default_group=context.get("composer_group"))
    )
    if request.htmx and context.get("embed"):
        return render(request, "feed/partials/group_embed.html", context)
    context["sidebar_groups"] = groups
    context["sidebar_tags"] = selectors.followed_tags(user)
    return render(request, template, context)


def _more_url(request: HttpRequest, cursor: str | None, page_size: int) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    if page_size != selectors.DEFAULT_PAGE_SIZE:
        query["page_size"] = str(page_size)
    return f"{request.path}?{query.urlencode()}"


def _composer(
    request: HttpRequest, *, groups, default_group=None, kind: str = Post.Kind.POST
) -> PostForm | None:
    """A fresh inline composer (with its one-time idempotency key), or None if the viewer cannot post here."""
    initial = {"group": default_group.pk} if default_group is not None else {}
    return PostForm(
        kind=kind, groups=groups, can_announce=can_post_announcement(request.user), initial=initial
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _render_feed(
        request,
        FeedSpec(FeedSpec.HOME),
        "feed/feed.html",
        {"feed_title": _("Following"), "feed_nav": "home"},
    )


@require_GET
def company(request: HttpRequest) -> HttpResponse:
    return _render_feed(
        request,
        FeedSpec(FeedSpec.COMPANY),
        "feed/feed.html",
        {"feed_title": _("Company"), "feed_nav": "company"},
    )


@require_GET
def group_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """A group's posts. A secret group the viewer is not in answers 404; a private group's
    outsiders see that it exists but none of its posts. With htmx and ?embed=1 it answers the
    fragment the group page's feed slot loads (composer, live bar, posts)."""
    group = check_view_group_permission(request.user, slug=slug)
    if not can_view_group_content(request.user, group):
        return render(request, "feed/group_closed.html", {"group": group}, status=403)
    context = {
        "feed_title": group.name,
        "feed_nav": f"group:{group.slug}",
        "group": group,
        "live_key": group.slug,
        "composer_group": group if can_post_in_group(request.user, group) else None,
        # The group page's feed slot loads this view with ?embed=1 (htmx): posts and composer only.
        "embed": request.GET.get("embed") == "1",
        "composer_next": _group_page_url(group),
    }
    if context["composer_group"] is None:
        context["composer"] = None
    return _render_feed(request, FeedSpec(FeedSpec.GROUP, group_id=group.pk), "feed/feed.html", context)


def _group_page_url(group) -> str:
    try:
        return reverse("groups:detail", args=[group.slug])
    except NoReverseMatch:
        return reverse("feed:group", args=[group.slug])


@require_GET
def tag_feed(request: HttpRequest, key: str) -> HttpResponse:
    tag = selectors.tag_by_key(request.user, tag_key(key))
    if tag is None:
        raise Http404
    if tag.key != key:
        return redirect("feed:tag", key=tag.key)
    return _render_feed(
        request,
        FeedSpec(FeedSpec.TAG, tag_id=tag.pk),
        "feed/feed.html",
        {
            "feed_title": f"#{tag.name}",
            "feed_nav": f"tag:{tag.key}",
            "tag": tag,
            "live_key": tag.key,
            "following_tag": selectors.is_following_tag(request.user, tag),
            "composer": None,
        },
    )


PERSON_TABS = ("posts", "articles", "praise")


@require_GET
def person_feed(request: HttpRequest, user_id: int) -> HttpResponse:
    """A person's posts (or their articles, or the praise they received) that the viewer may see."""
    person = get_object_or_404(User.objects.select_related("department"), pk=user_id)
    tab = request.GET.get("tab", "posts")
    if tab not in PERSON_TABS:
        tab = "posts"
    context = {
        "feed_title": person.display_name,
        "feed_nav": "",
        "person": person,
        "can_follow": can_follow(request.user, person),
        "is_following": can_follow(request.user, person) and is_following(request.user, person),
        "person_tab": tab,
        "profile_url": _profile_url(person),
        "live_key": str(person.pk),
        "composer": None,
    }
    if tab != "posts":
        items = (
            selectors.articles_by_author(request.user, person, limit=50)
            if tab == "articles"
            else selectors.praise_received(request.user, person, limit=50)
        )
        attach_content_html(items, variant="card")
        context["items"] = items
        context["sidebar_groups"] = selectors.writable_groups(request.user)
        context["sidebar_tags"] = selectors.followed_tags(request.user)
        return render(request, "feed/person_items.html", context)
    return _render_feed(request, FeedSpec(FeedSpec.PERSON, person_id=person.pk), "feed/feed.html", context)


def _profile_url(person) -> str | None:
    """The person's profile page (None if the profiles app offers none)."""
    try:
        return reverse("profiles:detail", args=[person.pk])
    except NoReverseMatch:
        return None


@require_GET
def person_link(request: HttpRequest, user_id: int) -> HttpResponse:
    """Where a mention links to: the person's profile, or their posts until profiles exist.
    Stored post HTML links here, so it stays valid whatever the profile URL becomes."""
    person = get_object_or_404(User, pk=user_id)
    return redirect(_profile_url(person) or reverse("feed:person", args=[person.pk]))


# Composing -----------------------------------------------------------------------------------
def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _errors_to_form(form, exc: ValidationError) -> None:
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, kind: str) -> HttpResponse:
    """The composer page for posts, praise and articles; every inline composer posts here.

    On any error the page is shown again with the message next to the field and the typed
    text kept (images must be chosen again: browsers never re-fill file inputs).
    """
    if kind not in Post.Kind.values or kind == Post.Kind.QUESTION:  # questions: /questions/ask/
        raise Http404
    user = request.user
    groups = selectors.writable_groups(user)
    can_announce = can_post_announcement(user)
    if request.method == "GET":
        default_group = next((g for g in groups if g.slug == request.GET.get("group")), None)
        form = PostForm(
            kind=kind,
            groups=groups,
            can_announce=can_announce,
            initial={"group": default_group.pk} if default_group else {},
        )
        return render(
            request, "feed/compose.html", {"form": form, "kind": kind, "next": _safe_next(request, "")}
        )
    form = PostForm(
        request.POST, request.FILES, kind=kind, groups=groups, can_announce=can_announce, author=user
    )
    if form.is_valid():
        try:
            post = services.post_create(
                author=user, confirmed=confirmed_by_author(form), **form.service_kwargs()
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except ScreeningError as exc:
            screening_to_form(form, "body", exc)
        except PermissionDenied:
            form.add_error("group" if form.cleaned_data.get("group") else None, _("You cannot post there."))
        except RateLimitExceeded as exc:
            form.add_error(None, exc.message)
        else:
            if post.moderation_state != "visible":
                messages.warning(
                    request,
                    _(
                        "Your post is held for review: only you and the moderators see it "
                        "until it is approved."
                    ),
                )
            else:
                messages.success(
                    request, _("Your article is published.") if post.is_article else _("Posted.")
                )
            default = reverse("feed:post_detail", args=[post.pk]) if post.is_article else reverse("feed:home")
            return redirect(_safe_next(request, default))
    return render(
        request,
        "feed/compose.html",
        {"form": form, "kind": kind, "next": _safe_next(request, ""), "had_files": bool(request.FILES)},
        status=400,
    )


# One post ------------------------------------------------------------------------------------
def _post_context(request: HttpRequest, post: Post, *, comment_form: CommentForm | None = None) -> dict:
    user = request.user
    writable_ids = {group.pk for group in selectors.writable_groups(user)} if post.group_id else set()
    decorate_posts(user, [post], writable_group_ids=writable_ids)
    attach_content_html([post], variant="full")
    comments = selectors.comments_for_post(user, post)
    decorate_comments(user, comments, post=post, can_react_here=post.can_react)
    attach_moderation_links([post], all_comments(comments))
    return {"post": post, "comments": comments, "comment_form": comment_form or CommentForm()}


@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_for_detail(request.user, pk)
    posts_mark_seen(user=request.user, posts=[post])
    return render(request, "feed/post_detail.html", _post_context(request, post))


@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = check_view_post_permission(request.user, pk, Post.objects.select_related("group"))
    if not can_edit_post(request.user, post):
        raise PermissionDenied
    if request.method == "POST":
        form = PostEditForm(request.POST, post=post, author=request.user)
        if form.is_valid():
            try:
                services.post_edit(
                    post=post,
                    editor=request.user,
                    body=form.cleaned_data["body"],
                    title=form.cleaned_data.get("title"),
                    confirmed=confirmed_by_author(form),
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except ScreeningError as exc:
                screening_to_form(form, "body", exc)
            else:
                messages.success(request, _("Saved. Earlier versions are kept in the history."))
                return redirect("feed:post_detail", pk=post.pk)
        return render(request, "feed/post_edit.html", {"post": post, "form": form}, status=400)
    form = PostEditForm(initial={"body": post.body, "title": post.title}, post=post)
    return render(request, "feed/post_edit.html", {"post": post, "form": form})


@require_POST
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = check_view_post_permission(request.user, pk)
    services.post_delete(post=post, actor=request.user)
    messages.success(request, _("The post was deleted."))
    return redirect(_safe_next(request, reverse("feed:home")))


@require_GET
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = check_view_post_permission(request.user, pk, Post.objects.select_related("author"))
    return render(request, "feed/history.html", {"post": post, "versions": selectors.post_history(post)})


def _reaction_response(request: HttpRequest, *, post: Post, comment: Comment | None = None) -> HttpResponse:
    item = comment or post
    mine = selectors.my_reaction(user=request.user, post=None if comment else post, comment=comment)
    context = {
        "post": post,
        "comment": comment,
        "reactions": reaction_items(item.reaction_counts, mine),
        "reaction_total": sum(item.reaction_counts.values()),
        "can_react": can_react(request.user, post),
    }
    return render(request, "feed/partials/reaction_bar.html", context)


@require_POST
def post_react(request: HttpRequest, pk: int) -> HttpResponse:
    """Toggle a reaction: choosing the one you already gave removes it."""
    post = check_view_post_permission(request.user, pk)
    return _react(request, post=post)


def _react(request: HttpRequest, *, post: Post, comment: Comment | None = None) -> HttpResponse:
    kind = request.POST.get("kind", "")
    target = {"post": post} if comment is None else {"comment": comment}
    try:
        if selectors.my_reaction(user=request.user, **target) == kind:
            services.reaction_remove(user=request.user, **target)
        else:
            services.reaction_set(user=request.user, kind=kind, **target)
    except ValidationError:
        return HttpResponseBadRequest(_("Choose one of the reactions offered."))
    if not request.htmx:
        return redirect(_safe_next(request, reverse("feed:post_detail", args=[post.pk])))
    item = comment or post
    item.refresh_from_db(fields=["reaction_counts"])
    return _reaction_response(request, post=post, comment=comment)


@require_GET
def post_reactions(request: HttpRequest, pk: int) -> HttpResponse:
    post = check_view_post_permission(request.user, pk)
    template = "feed/partials/who_reacted.html" if request.htmx else "feed/who_reacted.html"
    return render(request, template, {"post": post, "groups": selectors.reactions_by_kind(post=post)})


@require_POST
def post_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    post = check_view_post_permission(request.user, pk)
    if not can_acknowledge(request.user, post):
        raise PermissionDenied
    services.acknowledgement_create(post=post, user=request.user)
    if request.htmx:
        return render(request, "feed/partials/acknowledge.html", {"post": post, "acknowledged": True})
    messages.success(request, _("Thank you for confirming."))
    return redirect(_safe_next(request, reverse("feed:post_detail", args=[post.pk])))


@require_GET
def post_acknowledgements(request: HttpRequest, pk: int) -> HttpResponse:
    """The author's report: who has and has not confirmed a must-read announcement."""
    post = check_view_post_permission(request.user, pk)
    if not can_view_acknowledgements(request.user, post):
        raise PermissionDenied
    return render(
        request,
        "feed/acknowledgements.html",
        {"post": post, "report": selectors.acknowledgement_report(post)},
    )


@require_GET
def image(request: HttpRequest, pk: int, size: str) -> HttpResponse:
    """An uploaded image, only for someone who may see its post; otherwise 404 like a missing file."""
    if size not in ("large", "small"):
        raise Http404
    picture = PostImage.objects.filter(pk=pk).only("post_id", "large", "small").first()
    if picture is None:
        raise Http404
    check_view_post_permission(request.user, picture.post_id)
    return serve_protected_file(request, picture.file_name(size))


# Comments ------------------------------------------------------------------------------------
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a comment or reply. htmx gets the new comment (and a fresh form); without htmx the
    page reloads at the comment. Errors keep the text."""
    post = check_view_post_permission(request.user, pk, Post.objects.select_related("group", "author"))
    if not can_comment_on_post(request.user, post):
        raise PermissionDenied
    form = CommentForm(request.POST, author=request.user)
    parent = None
    error = None
    parent_id = form.data.get("parent")
    if parent_id and str(parent_id).isdigit():
        candidates = Comment.objects.filter(pk=int(parent_id), post=post)
        parent = filter_visible_comments(request.user, candidates).first()
    if form.is_valid():
        try:
            comment = services.comment_create(
                post=post,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                confirmed=confirmed_by_author(form),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except ScreeningError as exc:
            screening_to_form(form, "body", exc)
        except RateLimitExceeded as exc:
            error = exc.message
        else:
            if not request.htmx:
                return redirect(reverse("feed:post_detail", args=[post.pk]) + f"#comment-{comment.pk}")
            comment = selectors.comment_for_display(request.user, comment.pk)
            decorate_comments(request.user, [comment], post=post, can_react_here=True)
            return render(
                request,
                "feed/partials/comment_created.html",
                {"post": post, "comment": comment, "form": CommentForm(), "parent": parent},
            )
    if error:
        form.add_error(None, error)
    if request.htmx:
        return render(
            request, "feed/partials/comment_form.html", {"post": post, "form": form, "parent": parent}
        )
    post = selectors.post_for_detail(request.user, post.pk)
    return render(
        request, "feed/post_detail.html", _post_context(request, post, comment_form=form), status=400
    )


@require_GET
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One comment's HTML (live updates fetch it after a "post.comment_created" event)."""
    comment = selectors.comment_for_display(request.user, pk)
    if request.htmx:
        decorate_comments(request.user, [comment], post=comment.post, can_react_here=True)
        comment.visible_replies = []
        return render(request, "feed/partials/comment.html", {"post": comment.post, "comment": comment})
    return redirect(reverse("feed:post_detail", args=[comment.post_id]) + f"#comment-{comment.pk}")


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = check_view_comment_permission(request.user, pk)
    if not can_edit_comment(request.user, comment):
        raise PermissionDenied
    form = CommentForm(request.POST or None, initial={"body": comment.body}, author=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(
                comment=comment,
                editor=request.user,
                body=form.cleaned_data["body"],
                confirmed=confirmed_by_author(form),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except ScreeningError as exc:
            screening_to_form(form, "body", exc)
        else:
            return redirect(reverse("feed:post_detail", args=[comment.post_id]) + f"#comment-{comment.pk}")
    status = 400 if request.method == "POST" else 200
    return render(request, "feed/comment_edit.html", {"comment": comment, "form": form}, status=status)


@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = check_view_comment_permission(request.user, pk)
    if not can_delete_comment(request.user, comment):
        raise PermissionDenied
    services.comment_delete(comment=comment, actor=request.user)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, _("The comment was deleted."))
    return redirect("feed:post_detail", pk=comment.post_id)


@require_POST
def comment_react(request: HttpRequest, pk: int) -> HttpResponse:
    comment = check_view_comment_permission(request.user, pk)
    return _react(request, post=comment.post, comment=comment)


@require_GET
def comment_reactions(request: HttpRequest, pk: int) -> HttpResponse:
    comment = check_view_comment_permission(request.user, pk)
    template = "feed/partials/who_reacted.html" if request.htmx else "feed/who_reacted.html"
    return render(
        request,
        template,
        {"post": comment.post, "comment": comment, "groups": selectors.reactions_by_kind(comment=comment)},
    )


@require_GET
def comment_history(request: HttpRequest, pk: int) -> HttpResponse:
    comment = check_view_comment_permission(request.user, pk)
    return render(
        request,
        "feed/history.html",
        {"post": comment.post, "comment": comment, "versions": selectors.comment_history(comment)},
    )


# Tags and mentions ---------------------------------------------------------------------------
@require_POST
def tag_follow_toggle(request: HttpRequest, key: str) -> HttpResponse:
    tag = selectors.tag_by_key(request.user, key)
    if tag is None:
        raise Http404
    if request.POST.get("follow") == "1":
        services.tag_follow(user=request.user, tag=tag)
    else:
        services.tag_unfollow(user=request.user, tag=tag)
    following = selectors.is_following_tag(request.user, tag)
    if request.htmx:
        return render(request, "feed/partials/tag_follow.html", {"tag": tag, "following_tag": following})
    return redirect("feed:tag", key=tag.key)


@require_GET
def mention_autocomplete(request: HttpRequest) -> HttpResponse:
    """Suggestions for "@..." as an htmx partial: active people by name or e-mail."""
    people = selectors.mention_candidates(request.GET.get("q", ""))
    options = [{"person": person, "handle": mention_handle(person.email)} for person in people]
    return render(request, "feed/partials/mention_options.html", {"options": options})
