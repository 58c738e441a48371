"""The question pages and htmx partials: parse -> check -> service/selector -> render.

Every question and answer goes through feed/questions/permissions.py (directly or through the
selectors); a question the viewer may not see answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feed import selectors as feed_selectors
from feed.display import attach_moderation_links, may_report
from feed.forms import confirmed_by_author, screening_to_form
from feed.questions import selectors, services
from feed.questions.experts import rank_experts
from feed.questions.forms import AnswerForm, QuestionForm
from feed.questions.permissions import (
    can_accept_answer,
    can_answer_question,
    can_delete_answer,
    can_vote_answer,
    check_view_answer_permission,
)
from feed.seen import posts_mark_seen
from moderation.models import ModerationState
from moderation.services import ScreeningError
from socialco.ratelimits import RateLimitExceeded

PAGE_SIZE = 20


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_GET
def question_list(request: HttpRequest) -> HttpResponse:
    """/questions/: filters (unanswered, open, answered, mine), a tag, a sort; 20 per page."""
    spec = selectors.ListSpec.parse(request.GET)
    page = Paginator(selectors.questions_list(request.user, spec), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feed/questions/list.html",
        {
            "spec": spec,
            "page": page,
            "query": query.urlencode(),
            "filters": [
                ("all", _("All")),
                ("unanswered", _("Unanswered")),
                ("open", _("Open")),
                ("answered", _("Answered")),
                ("mine", _("Mine")),
            ],
            "sorts": [
                ("newest", _("Newest")),
                ("votes", _("Most votes")),
                ("oldest_unanswered", _("Oldest unanswered")),
            ],
            "tags": selectors.question_tags(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def question_ask(request: HttpRequest) -> HttpResponse:
    """Ask a question; similar questions appear under the title as it is typed (htmx)."""
    groups = feed_selectors.writable_groups(request.user)
    if request.method == "GET":
        default = next((g.pk for g in groups if g.slug == request.GET.get("group")), None)
        form = QuestionForm(groups=groups, initial={"group": default, "title": request.GET.get("title", "")})
        return render(request, "feed/questions/ask.html", {"form": form})
    form = QuestionForm(request.POST, groups=groups, author=request.user)
    if form.is_valid():
        try:
            post = services.question_create(
                author=request.user, confirmed=confirmed_by_author(form), **form.service_kwargs()
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except ScreeningError as exc:
            screening_to_form(form, "body", exc)
        except PermissionDenied as exc:
            form.add_error("group", str(exc) or _("You cannot post there."))
        except RateLimitExceeded as exc:
            form.add_error(None, exc.message)
        else:
            if post.moderation_state != ModerationState.VISIBLE:
                messages.warning(
                    request,
                    _(
                        "Your question is held for review: only you and the moderators see it "
                        "until it is approved."
                    ),
                )
            else:
                messages.success(request, _("Your question is posted. We asked the colleagues who may know."))
            return redirect("questions:detail", pk=post.pk)
    return render(request, "feed/questions/ask.html", {"form": form}, status=400)


@require_GET
def question_similar(request: HttpRequest) -> HttpResponse:
    """The suggestions under the title field (htmx partial): up to five visible questions."""
    text = request.GET.get("q") or request.GET.get("title") or ""
    return render(
        request,
        "feed/questions/partials/similar.html",
        {"similar": selectors.similar_questions(request.user, text), "q": text},
    )


def _detail_context(request: HttpRequest, post, *, answer_form: AnswerForm | None = None) -> dict:
    user = request.user
    question = post.question
    answers = selectors.answers_for_question(user, post)
    for answer in answers:
        answer.can_vote = can_vote_answer(user, answer)
        answer.can_delete = can_delete_answer(user, answer)
    can_answer = can_answer_question(user, post)
    post.can_report = may_report(user, post)
    attach_moderation_links([post])
    return {
        "post": post,
        "question": question,
        "answers": answers,
        "can_accept": can_accept_answer(user, question),
        "can_answer": can_answer,
        "answer_form": answer_form or (AnswerForm() if can_answer else None),
        "experts": rank_experts(post, viewer=user),
        "similar": selectors.similar_questions(user, post.title, exclude_id=post.pk),
    }


@require_GET
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.question_for_detail(request.user, pk)
    posts_mark_seen(user=request.user, posts=[post])
    return render(request, "feed/questions/detail.html", _detail_context(request, post))


@require_POST
def answer_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.question_for_detail(request.user, pk)
    if not can_answer_question(request.user, post):
        raise PermissionDenied
    form = AnswerForm(request.POST, author=request.user)
    if form.is_valid():
        confirmed = form.screening.get("body") is not None and form.screening["body"].is_flagged
        try:
            answer = services.answer_create(
                question_post=post, author=request.user, body=form.cleaned_data["body"], confirmed=confirmed
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except ScreeningError as exc:
            form.add_error("body", exc.messages)
        except RateLimitExceeded as exc:
            form.add_error("body", exc.message)
        else:
            return redirect(reverse("questions:detail", args=[post.pk]) + f"#answer-{answer.pk}")
    post = selectors.question_for_detail(request.user, pk)
    return render(
        request, "feed/questions/detail.html", _detail_context(request, post, answer_form=form), status=400
    )


def _answer_redirect(request: HttpRequest, answer) -> HttpResponse:
    return redirect(reverse("questions:detail", args=[answer.question_id]) + f"#answer-{answer.pk}")


@require_POST
def answer_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Toggle the viewer's up-vote (`undo=1` takes it back). htmx gets the vote button back."""
    answer = check_view_answer_permission(request.user, pk)
    if request.POST.get("undo"):
        services.answer_unvote(answer=answer, user=request.user)
        voted = False
    else:
        services.answer_vote(answer=answer, user=request.user)
        voted = True
    if request.htmx:
        answer.voted = voted
        answer.can_vote = True
        return render(request, "feed/questions/partials/vote.html", {"answer": answer})
    return _answer_redirect(request, answer)


@require_POST
def answer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    answer = check_view_answer_permission(request.user, pk)
    try:
        services.answer_accept(answer=answer, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Answer accepted: the question shows as answered."))
    return _answer_redirect(request, answer)


@require_POST
def question_unaccept(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.question_for_detail(request.user, pk)
    services.answer_unaccept(question=post.question, actor=request.user)
    return redirect("questions:detail", pk=post.pk)


@require_POST
def answer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    answer = check_view_answer_permission(request.user, pk)
    services.answer_delete(answer=answer, actor=request.user)
    messages.success(request, _("Answer deleted."))
    return redirect("questions:detail", pk=answer.question_id)
