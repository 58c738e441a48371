"""Named domain signals, for apps that must react without groups importing them (notifications).

Each is sent once the transaction commits, by groups/services.py, with keyword arguments:
- join_requested(group, join_request)          -> tell the group's admins
- join_request_cancelled(group, user_id)      -> the requester withdrew a pending request
- join_request_decided(group, join_request, approved: bool, actor)  -> tell the requester
  (`actor` is the admin who decided)
- invitation_created(group, invitation)        -> tell the invitee
- member_joined(group, membership)
- member_left(group, user_id, removed_by_id: int | None)

Receivers must still check visibility with groups/permissions.py before telling anyone.
"""

from django.dispatch import Signal

join_requested = Signal()
join_request_cancelled = Signal()
join_request_decided = Signal()
invitation_created = Signal()
member_joined = Signal()
member_left = Signal()
