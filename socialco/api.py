"""The API root at /api/v1/: lists every endpoint the installed apps provide."""

from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def _named_routes(patterns, namespace: str = "") -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.extend(_named_routes(pattern.url_patterns, inner))
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            names.append(f"{namespace}{pattern.name}")
    return names


class ApiRootView(APIView):
    """What this API offers: one link per list or action endpoint that takes no argument."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        from socialco import api_urls

        endpoints = {}
        for name in _named_routes(api_urls.endpoint_patterns):
            try:
                endpoints[name.rsplit(":", 1)[-1]] = request.build_absolute_uri(reverse(f"api:{name}"))
            except NoReverseMatch:
                continue
        return Response(dict(sorted(endpoints.items())))
