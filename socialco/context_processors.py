from django.conf import settings
from django.http import HttpRequest

from socialco.navigation import nav_for


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    nav = nav_for(user, request.path) if user is not None and user.is_authenticated else []
    return {"company_name": settings.COMPANY_NAME, "nav_items": nav}
