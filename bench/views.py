"""The ceiling: a view that does nothing, behind the project's whole middleware stack.

Mounted at /bench/ceiling/ only when SOCIALCO_BENCH=1 (socialco/urls.py). It is not login
exempt: the benchmark calls it with a logged-in session, exactly like the feed, so the ratio
"feed requests/s / ceiling requests/s" isolates what the feed itself costs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")
