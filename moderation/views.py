"""HTML pages: guidelines (current, versions, diff, acceptance), the composer's live check,
reports, the moderators' queue and actions, decisions and appeals, suspensions, the audit log."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from moderation import selectors, services
from moderation.diffing import diff_stats, diff_texts
from moderation.forms import (
    AppealDecisionForm,
    AppealForm,
    ItemActionForm,
    LiftForm,
    PersonActionForm,
    ReportForm,
)
from moderation.middleware import write_gate_exempt
from moderation.models import Appeal, ModerationState, Scope, Suspension
from moderation.permissions import (
    can_act_on_item,
    can_act_on_person,
    can_appeal,
    can_decide_appeal,
    can_moderate,
    check_moderate_permission,
    check_view_decision_permission,
    write_block_message,
)
from moderation.reportables import reportable_by_key
from moderation.selectors import WriteState
from profiles.models import User
from socialco.markdown import markdown_to_text

QUEUE_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
SCREEN_RATE_LIMIT = (120, 60)  # live checks per person per minute


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")


# --- Guidelines -----------------------------------------------------------------------------


@login_not_required
@require_GET
def guidelines(request: HttpRequest) -> HttpResponse:
    """The current version, the earlier ones, and a form to compare any two."""
    versions = list(selectors.published_versions())
    current = versions[0] if versions else None
    return render(
        request,
        "guidelines.html",
        {"version": current, "current": current, "versions": versions, "is_current": True},
    )


@login_not_required
@require_GET
def guideline_version(request: HttpRequest, number: str) -> HttpResponse:
    version = selectors.version_by_number(number)
    if version is None:
        raise Http404
    versions = list(selectors.published_versions())
    return render(
        request,
        "guidelines.html",
        {
            "version": version,
            "current": versions[0] if versions else None,
            "versions": versions,
            "is_current": versions and versions[0].pk == version.pk,
        },
    )


@login_not_required
@require_GET
def guideline_diff(request: HttpRequest) -> HttpResponse:
    """A readable diff between any two published versions (?from=1.0&to=2.0)."""
    versions = list(selectors.published_versions())
    if not versions:
        raise Http404
    new = selectors.version_by_number(request.GET.get("to", "")) or versions[0]
    old = selectors.version_by_number(request.GET.get("from", ""))
    if old is None:
        older = [v for v in versions if (v.major, v.minor) < (new.major, new.minor)]
        old = older[0] if older else new
    hunks = diff_texts(old.body, new.body)
    return render(
        request,
        "moderation/guidelines_diff.html",
        {
            "old": old,
            "new": new,
            "versions": versions,
            "hunks": hunks,
            "stats": diff_stats(hunks),
            "title_changed": old.title != new.title,
            "summaries": [
                v
                for v in reversed(versions)
                if (old.major, old.minor) < (v.major, v.minor) <= (new.major, new.minor)
            ],
        },
    )


def acceptance_context(request: HttpRequest, state: WriteState) -> dict[str, Any]:
    """What the acceptance page shows: the current version and what changed since the one accepted."""
    accepted = state.accepted
    accepted_number = f"{accepted[0]}.{accepted[1]}" if accepted else ""
    hunks = []
    if accepted and state.current is not None:
        old = selectors.version_by_number(accepted_number)
        if old is not None:
            hunks = diff_texts(old.body, state.current.body)
    return {
        "current": state.current,
        "accepted_number": accepted_number,
        "changes": selectors.versions_since(accepted) if accepted else [],
        "hunks": hunks,
        "must_accept": state.must_accept,
        "has_minor_update": state.has_minor_update,
        "next_url": request.POST.get("next") or request.GET.get("next") or request.headers.get("referer", ""),
    }


@never_cache
@write_gate_exempt
def guidelines_accept(request: HttpRequest) -> HttpResponse:
    """GET: the version to accept and what changed since the person's last one. POST: accept it."""
    state = selectors.write_state(request.user)
    if request.method == "POST":
        if state.current is None:
            return redirect("guidelines")
        services.guidelines_accept(user=request.user, version=state.current)
        messages.success(
            request,
            _("Thank you: you accepted the usage guidelines %(number)s.") % {"number": state.current.number},
        )
        return redirect(_safe_next(request, request.POST.get("next", "")))
    if state.current is None:
        return redirect("guidelines")
    return render(request, "moderation/accept.html", acceptance_context(request, state))


@require_POST
@write_gate_exempt
def guidelines_dismiss(request: HttpRequest) -> HttpResponse:
    """Acknowledge a minor update (the banner's "Dismiss"): recorded like an acceptance."""
    state = selectors.write_state(request.user)
    if state.current is not None and not state.must_accept:
        services.guidelines_accept(user=request.user, version=state.current)
    if request.htmx:
        return HttpResponse("")
    return redirect(_safe_next(request, request.POST.get("next", "")))


@never_cache
@require_GET
def banner(request: HttpRequest) -> HttpResponse:
    """The banner slot of every page (loaded after the page, so pages carry no extra query):
    suspension, guidelines to accept, or a minor update to dismiss; 204 when there is nothing."""
    state = selectors.write_state(request.user)
    if state.blocked_code is None and not state.has_minor_update:
        return HttpResponse(status=204)
    return render(request, "moderation/partials/banner.html", {"state": state})


# --- The composer's live check --------------------------------------------------------------


@require_POST
@write_gate_exempt
def screen(request: HttpRequest) -> HttpResponse:
    """What the rules say about the text being written (htmx, debounced): the explanation partial."""
    scope = request.POST.get("scope", "")
    if scope not in Scope.values:
        return HttpResponse(_("Unknown scope."), status=400)
    if services._rate_limited(f"moderation:screen:{request.user.pk}", *SCREEN_RATE_LIMIT):
        return HttpResponse(status=204)
    text = request.POST.get("text", "")
    result = services.screen_text(text=text, scope=scope, author=request.user)
    state = selectors.write_state(request.user)
    return render(
        request,
        "moderation/partials/screen_result.html",
        {"result": result, "state": state, "block_message": _block_message(state)},
    )


def _block_message(state: WriteState) -> str:
    return write_block_message(state)


# --- Reports --------------------------------------------------------------------------------


def _reportable_target(request: HttpRequest, type_key: str, pk: int):
    """The target if it is registered and the person may see it; else Http404 (like missing)."""
    entry = reportable_by_key(type_key)
    if entry is None:
        raise Http404
    target = entry.base_queryset().filter(pk=pk).first()
    if target is None or not entry.can_view(request.user, target):
        raise Http404
    if not selectors.can_see_moderated(request.user, target):
        raise Http404
    return entry, target


@never_cache
def report(request: HttpRequest, type_key: str, pk: int) -> HttpResponse:
    """Report a post, comment, answer, chat message, profile or group."""
    entry, target = _reportable_target(request, type_key, pk)
    form = ReportForm(request.POST or None)
    template = "moderation/partials/report_form.html" if request.htmx else "moderation/report.html"
    context = {
        "form": form,
        "entry": entry,
        "target": target,
        "type_key": type_key,
        "excerpt": markdown_to_text(entry.text(target)),
    }
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                reporter=request.user,
                target=target,
                section=form.cleaned_data["section"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if request.htmx:
                return render(request, "moderation/partials/report_done.html", context)
            messages.success(request, _("Thank you. A moderator will review your report."))
            return redirect(entry.url_for(target) or "home")
    return render(request, template, context, status=400 if form.errors else 200)


# --- The queue ------------------------------------------------------------------------------


@never_cache
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    check_moderate_permission(request.user)
    filters = {
        "scope": request.GET.get("scope", "") if request.GET.get("scope") in Scope.values else "",
        "kind": request.GET.get("kind", "")
        if request.GET.get("kind") in ("reported", "held", "flagged")
        else "",
        "section": request.GET.get("section", "")[:100],
        "assigned": request.GET.get("assigned", "")
        if request.GET.get("assigned") in ("me", "unassigned")
        else "",
    }
    page = Paginator(selectors.queue_items(viewer=request.user, **filters), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    appeals = list(selectors.pending_appeals()[:50])
    return render(
        request,
        "moderation/queue.html",
        {
            "rows": selectors.present_queue(list(page.object_list)),
            "page": page,
            "filters": filters,
            "scopes": Scope.choices,
            "sections": selectors.section_choices(),
            "appeals": appeals,
            "now": timezone.now(),
        },
    )


def _moderator_item(request: HttpRequest, pk: int):
    check_moderate_permission(request.user)
    item = selectors.item_for_moderator(pk)
    if item is None:
        raise Http404
    return item


@never_cache
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The item, its immediate context (thread, group), the reasons, the author's history."""
    return _render_item(request, pk)


def _render_item(
    request: HttpRequest, pk: int, *, form: ItemActionForm | None = None, status: int = 200
) -> HttpResponse:
    item = _moderator_item(request, pk)
    row = selectors.present_queue([item])[0]
    context = row.reportable.context_for(row.target) if row.reportable and row.target is not None else None
    return render(
        request,
        "moderation/item.html",
        {
            "row": row,
            "item": item,
            "context": context,
            "text": markdown_to_text(row.reportable.text(row.target))
            if row.reportable and row.target is not None
            else item.excerpt,
            "reports": _with_section_titles(list(selectors.item_reports(item))),
            "history": selectors.author_history(item.author),
            "decisions": list(item.decisions.select_related("moderator").order_by("-created_at")),
            "form": form or ItemActionForm(),
            "can_act": can_act_on_item(request.user, item),
            "suspension": selectors.active_suspension(item.author) if item.author else None,
            "States": ModerationState,
        },
        status=status,
    )


def _with_section_titles(reports: list) -> list:
    for report in reports:
        report.section_title = selectors.section_title(report.section)
    return reports


@require_POST
def item_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = _moderator_item(request, pk)
    try:
        services.item_assign(item=item, moderator=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("moderation:item", pk=item.pk)


@require_POST
def item_act(request: HttpRequest, pk: int) -> HttpResponse:
    item = _moderator_item(request, pk)
    form = ItemActionForm(request.POST)
    if not form.is_valid():
        return _render_item(request, pk, form=form, status=400)
    data = form.cleaned_data
    action, reason, section = data["action"], data["reason"], data.get("section", "")
    try:
        if action == "dismiss":
            services.item_dismiss(item=item, moderator=request.user, reason=reason)
        elif action == "hide":
            services.item_hide(item=item, moderator=request.user, reason=reason, section=section)
        elif action == "restore":
            services.item_restore(item=item, moderator=request.user, reason=reason)
        elif action == "approve":
            services.item_approve(item=item, moderator=request.user, reason=reason)
        elif item.author is None:
            raise ValidationError(_("This content has no author to act on."))
        elif action == "warn":
            services.person_warn(
                person=item.author, moderator=request.user, reason=reason, section=section, item=item
            )
        elif action == "suspend":
            services.person_suspend(
                person=item.author,
                moderator=request.user,
                days=data["days"],
                reason=reason,
                section=section,
                item=item,
            )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render_item(request, pk, form=form, status=400)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You cannot act on this item."))
        return _render_item(request, pk, form=form, status=403)
    messages.success(request, _("Done: %(action)s.") % {"action": dict(ItemActionForm.ACTIONS)[action]})
    return redirect("moderation:queue")


# --- People ---------------------------------------------------------------------------------


@never_cache
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_person(request, pk)


def _render_person(request: HttpRequest, pk: int, *, form=None, status: int = 200) -> HttpResponse:
    check_moderate_permission(request.user)
    subject = User.objects.filter(pk=pk).select_related("department").first()
    if subject is None:
        raise Http404
    return render(
        request,
        "moderation/person.html",
        {
            "subject": subject,
            "history": selectors.author_history(subject, limit=100),
            "suspensions": list(
                Suspension.objects.filter(user=subject).select_related("decision__moderator")
            ),
            "active": selectors.active_suspension(subject),
            "form": form or PersonActionForm(),
            "lift_form": LiftForm(),
            "can_act": can_act_on_person(request.user, subject),
        },
        status=status,
    )


@require_POST
def person_act(request: HttpRequest, pk: int) -> HttpResponse:
    check_moderate_permission(request.user)
    subject = User.objects.filter(pk=pk).first()
    if subject is None:
        raise Http404
    form = PersonActionForm(request.POST)
    if not form.is_valid():
        return _render_person(request, pk, form=form, status=400)
    data = form.cleaned_data
    try:
        if data["action"] == "warn":
            services.person_warn(
                person=subject, moderator=request.user, reason=data["reason"], section=data["section"]
            )
        else:
            services.person_suspend(
                person=subject,
                moderator=request.user,
                days=data["days"],
                reason=data["reason"],
                section=data["section"],
            )
    except (ValidationError, PermissionDenied) as exc:
        form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
        return _render_person(request, pk, form=form, status=400)
    messages.success(request, _("Done."))
    return redirect("moderation:person", pk=pk)


@require_POST
def suspension_lift(request: HttpRequest, pk: int) -> HttpResponse:
    check_moderate_permission(request.user)
    suspension = Suspension.objects.select_related("user").filter(pk=pk).first()
    if suspension is None:
        raise Http404
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            services.suspension_lift(
                suspension=suspension, moderator=request.user, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("The suspension is lifted."))
    else:
        messages.error(request, _("Give a reason for lifting the suspension."))
    return redirect("moderation:person", pk=suspension.user_id)


# --- Decisions and appeals ------------------------------------------------------------------


@never_cache
@require_GET
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision as the affected person (or a moderator) sees it: what, why, which section; the
    appeal form (once) and, for another moderator, the appeal's decision form."""
    return _render_decision(request, pk)


def _render_decision(
    request: HttpRequest, pk: int, *, appeal_form=None, decide_form=None, status: int = 200
) -> HttpResponse:
    obj = check_view_decision_permission(request.user, pk)
    appeal = Appeal.objects.select_related("decided_by").filter(decision=obj).first()
    suspension = Suspension.objects.filter(decision=obj).first()
    return render(
        request,
        "moderation/decision.html",
        {
            "decision": obj,
            "appeal": appeal,
            "suspension": suspension,
            "is_subject": obj.subject_id == request.user.pk,
            "is_moderator": can_moderate(request.user),
            "can_appeal": can_appeal(request.user, obj),
            "can_decide": appeal is not None and can_decide_appeal(request.user, appeal),
            "appeal_form": appeal_form or AppealForm(),
            "decide_form": decide_form or AppealDecisionForm(),
            "section_title": selectors.section_title(obj.section) if obj.section else "",
            "section_url": selectors.section_url(obj.section),
            "what": selectors.describe_decision(obj),
            "excerpt": obj.item.excerpt if obj.item_id else "",
        },
        status=status,
    )


@require_POST
@write_gate_exempt
def appeal_create(request: HttpRequest, pk: int) -> HttpResponse:
    obj = check_view_decision_permission(request.user, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_create(decision=obj, appellant=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your appeal was sent. Another moderator will review it."))
            return redirect("moderation:decision", pk=pk)
    return _render_decision(request, pk, appeal_form=form, status=400)


@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    check_moderate_permission(request.user)
    appeal = Appeal.objects.select_related("decision").filter(pk=pk).first()
    if appeal is None:
        raise Http404
    form = AppealDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_decide(
                appeal=appeal,
                moderator=request.user,
                overturn=form.cleaned_data["outcome"] == "overturn",
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return _render_decision(request, appeal.decision_id, decide_form=form, status=403)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The appeal is decided."))
            return redirect("moderation:queue")
    return _render_decision(request, appeal.decision_id, decide_form=form, status=400)


@never_cache
@require_GET
def suspended(request: HttpRequest) -> HttpResponse:
    """Until when and why the person is suspended (or that they are not)."""
    return render(
        request, "moderation/suspended.html", {"suspension": selectors.active_suspension(request.user)}
    )


# --- Audit log ------------------------------------------------------------------------------


@never_cache
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    check_moderate_permission(request.user)
    action = request.GET.get("action", "")[:60]
    page = Paginator(selectors.audit_entries(action=action), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "moderation/audit.html", {"page": page, "action": action})


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterator[list[Any]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def audit_rows(qs) -> Iterator[list[Any]]:
    for entry in qs.iterator(chunk_size=1000):
        yield [
            entry.created_at.isoformat(),
            entry.actor_id or "",
            entry.actor_repr,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.target_repr,
            selectors.audit_value(entry.old_value),
            selectors.audit_value(entry.new_value),
            entry.reason,
        ]


AUDIT_HEADER = [
    "when",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target",
    "old",
    "new",
    "reason",
]


@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    check_moderate_permission(request.user)
    qs = selectors.audit_entries(action=request.GET.get("action", "")[:60])
    return csv_response(f"audit-log-{timezone.now():%Y%m%d}.csv", AUDIT_HEADER, audit_rows(qs))
