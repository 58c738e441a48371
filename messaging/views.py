"""Chat pages. The page is server-rendered; messages are drawn by static/messaging/chat.js from
the same API the mobile clients use, and arrive live over the /ws/ socket."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from groups.permissions import check_view_group_permission, membership_of
from messaging import policy
from messaging.exceptions import ChatError
from messaging.forms import FirstMessageForm, GroupChatForm
from messaging.models import Conversation, direct_key_for
from messaging.permissions import (
    can_add_members,
    can_send_in_conversation,
    check_view_conversation_permission,
)
from messaging.presence import presence_of
from messaging.selectors import (
    attach_summaries,
    conversation_detail,
    conversations_for_list,
    partner_read_up_to,
    people_to_add,
)
from messaging.services import (
    conversation_create_group,
    conversation_get_or_create_direct,
    message_send,
    room_for_group,
)
from moderation.services import ScreeningError
from socialco.policy import chat_edit_window, read_receipts_enabled

LIST_LIMIT = 100


def _chat_context(request: HttpRequest, *, conversation: Conversation | None = None, **extra) -> dict:
    conversations = attach_summaries(conversations_for_list(request.user)[:LIST_LIMIT], request.user)
    partners = {c.partner.pk for c in conversations if c.partner is not None}
    states = presence_of(partners)
    for item in conversations:
        item.presence = states.get(item.partner.pk) if item.partner is not None else None
    context = {
        "conversations": conversations,
        "open": None,
        "edit_window_seconds": int(chat_edit_window().total_seconds()),
        "read_receipts": read_receipts_enabled(),
        "max_body_chars": policy.MAX_BODY_CHARS,
        **extra,
    }
    if conversation is not None:
        context["open"] = _pane(request, conversation)
    return context


def _pane(request: HttpRequest, conversation: Conversation) -> dict:
    detail = conversation_detail(request.user, conversation)
    partner = detail.partner
    return {
        "conversation": detail,
        "presence": presence_of([partner.pk])[partner.pk] if partner is not None else None,
        "can_send": can_send_in_conversation(request.user, conversation),
        "can_add_members": can_add_members(request.user, conversation),
        "partner_read_up_to": partner_read_up_to(conversation, request.user)
        if read_receipts_enabled()
        else None,
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "messaging/chat.html", _chat_context(request))


@require_GET
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The chat page with one conversation open; a foreign id is a 404 like a missing one."""
    opened = check_view_conversation_permission(request.user, conversation_id)
    return render(request, "messaging/chat.html", _chat_context(request, conversation=opened))


@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The conversation list entries alone, to refresh the list after a reconnect or a change."""
    return render(request, "messaging/partials/conversation_list.html", _chat_context(request))


@require_GET
def conversation_pane(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The right-hand pane alone, for switching conversations without a page load."""
    opened = check_view_conversation_permission(request.user, conversation_id)
    return render(
        request,
        "messaging/partials/pane.html",
        {"open": _pane(request, opened), "max_body_chars": policy.MAX_BODY_CHARS},
    )


@require_GET
def conversation_item(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """One entry of the conversation list, for a conversation that appeared live."""
    opened = check_view_conversation_permission(request.user, conversation_id)
    item = conversation_detail(request.user, opened)
    item.presence = presence_of([item.partner.pk])[item.partner.pk] if item.partner is not None else None
    return render(request, "messaging/partials/conversation_item.html", {"item": item})


@require_http_methods(["GET", "POST"])
def start_direct(request: HttpRequest, user_id: int) -> HttpResponse:
    """Chat with one colleague: open the existing conversation, or offer to start it (POST)."""
    other = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if other is None:
        raise Http404
    if other.pk == request.user.pk:
        return redirect("messaging:index")
    error = ""
    form = FirstMessageForm(request.POST or None, author=request.user)
    if request.method == "POST" and form.is_valid():
        body = form.cleaned_data["body"]
        try:
            with transaction.atomic():
                conversation, _created = conversation_get_or_create_direct(
                    user=request.user, other_user_id=other.pk
                )
                if body.strip():
                    message_send(
                        sender=request.user,
                        conversation_id=conversation.pk,
                        body=body,
                        client_id=form.cleaned_data["client_id"] or uuid.uuid4().hex,
                        confirmed=form.screening["body"].is_flagged if "body" in form.screening else False,
                    )
        except ChatError as exc:
            error = exc.message
        except ScreeningError as exc:  # a rule changed since the form checked the text
            form.add_error("body", exc.as_validation_error())
        else:
            return redirect("messaging:conversation", conversation_id=conversation.pk)
    elif request.method == "GET":
        existing = Conversation.objects.filter(direct_key=direct_key_for(request.user.pk, other.pk)).first()
        if existing is not None:
            return redirect("messaging:conversation", conversation_id=existing.pk)
    body = form["body"].value() or ""
    context = _chat_context(
        request,
        draft_partner=other,
        draft_presence=presence_of([other.pk])[other.pk],
        draft_body=body,
        draft_error=error,
        draft_form=form,
    )
    return render(request, "messaging/chat.html", context, status=400 if error or form.errors else 200)


@require_http_methods(["GET", "POST"])
def new_group(request: HttpRequest) -> HttpResponse:
    """Start a group chat: name it (optional) and pick people found by name."""
    chosen_ids = [int(pk) for pk in request.POST.getlist("members") if pk.isdigit()][
        : policy.GROUP_CHAT_MAX_MEMBERS
    ]
    chosen = list(
        get_user_model().objects.filter(pk__in=chosen_ids, is_active=True).exclude(pk=request.user.pk)
    )
    form = GroupChatForm(request.POST or None, people=chosen)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = conversation_create_group(
                creator=request.user, member_ids=form.cleaned_data["members"], name=form.cleaned_data["name"]
            )
        except ChatError as exc:
            form.add_error("members", exc.message)
        else:
            return redirect("messaging:conversation", conversation_id=conversation.pk)
    return render(
        request,
        "messaging/chat.html",
        {
            **_chat_context(request),
            "form": form,
            "chosen": chosen,
            "found": people_to_add(
                request.user, request.POST.get("q", ""), exclude_ids=[p.pk for p in chosen]
            ),
        },
    )


@require_GET
def people_search(request: HttpRequest) -> HttpResponse:
    """Colleagues matching `q`, as checkboxes for the group chat form (htmx partial)."""
    chosen_ids = [int(pk) for pk in request.GET.getlist("members") if pk.isdigit()][
        : policy.GROUP_CHAT_MAX_MEMBERS
    ]
    chosen = list(
        get_user_model().objects.filter(pk__in=chosen_ids, is_active=True).exclude(pk=request.user.pk)
    )
    found = people_to_add(request.user, request.GET.get("q", ""), exclude_ids=[p.pk for p in chosen])
    return render(request, "messaging/partials/people_found.html", {"chosen": chosen, "found": found})


@require_GET
def group_room(request: HttpRequest, slug: str) -> HttpResponse:
    """The chat room of an interest group (the group page links here). Members only; anyone
    else gets the same 404 as for a group that does not exist."""
    group = check_view_group_permission(request.user, slug=slug)
    if membership_of(request.user, group) is None:
        raise Http404
    room = room_for_group(group=group)
    return redirect(reverse("messaging:conversation", kwargs={"conversation_id": room.pk}))
