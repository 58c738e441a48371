"""Questions and answers, a kind of feed post (see docs/questions.md).

A question is a feed `Post` of kind "question" (title, markdown body, tags, company or group
audience); what only questions have lives here: answers, up-votes, the accepted answer, the
stats (time to first and to accepted answer) and the expert requests. Visibility is the post
gate in feed/permissions.py: a question and its answers are visible exactly when the post is.
"""
