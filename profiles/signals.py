"""Named domain signals other apps listen to without profiles importing them.

Each is sent after the transaction that made the change has committed.
"""

from django.dispatch import Signal

# Sent with follower=User, followed=User when someone starts following a colleague
# (notifications may tell the followed person).
person_followed = Signal()
