from django.http import HttpRequest

from socialco.navigation import nav_for
from socialco.policy import get_policy
from socialco.policy_views import company_logo_url


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    nav = nav_for(user, request.path) if signed_in else []
    return {
        "company_name": get_policy().company_name,
        # The uploaded logo is for signed-in people; the sign-in pages show the product mark.
        "company_logo_url": company_logo_url() if signed_in else None,
        "nav_items": nav,
    }
