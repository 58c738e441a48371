"""Queries per request, counted in-process with Django's test client against the database in
DATABASE_URL (bench/run.py runs this once per dataset size; the counts must be equal).

Each page is requested twice and the second request is counted: the first one warms the
shared cache (rendered post fragments, the site policy), as in a running site.
"""

from __future__ import annotations

import argparse
import json
import os

# Pages counted; "n/a" ones are not in this branch (or not in the dataset: rebuild it).
NOT_MERGED = "n/a: questions not merged"


def pages(people: dict) -> dict[str, str | None]:
    chat = people["chats"][min(people["chats"], key=int)]
    return {
        "feed": "/",
        "post": f"/feed/posts/{people['post']}/",
        "questions_list": "/questions/",
        "question_30_answers": f"/questions/{people['question']}/" if people.get("question") else None,
        "directory": "/people/?q=silva",
        "chat_history": f"/chat/{chat}/",
    }


def count(people: dict) -> dict[str, int | str]:
    from django.db import connection

    from feed.models import Post

    # A company-wide post (the dataset's first post may be in a private group the viewer is not in).
    company_post = Post.objects.filter(group__isnull=True, deleted_at__isnull=True).order_by("pk").first()
    if company_post is not None:
        people = {**people, "post": company_post.pk}
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from profiles.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=people["viewer"]))
    result: dict[str, int | str] = {}
    for name, url in pages(people).items():
        if url is None:
            result[name] = NOT_MERGED
            continue
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            result[name] = f"error: HTTP {response.status_code}"
        else:
            result[name] = len(captured.captured_queries)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("people", help="the JSON file bench.dataset wrote")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialco.settings")
    import django

    django.setup()
    with open(args.people) as handle:
        people = json.load(handle)["people"]
    print(json.dumps(count(people)))


if __name__ == "__main__":
    main()
