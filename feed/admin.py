from django.contrib import admin

from feed.models import Comment, Post, Tag


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Read-mostly: posts are written through the feed's services, not here."""

    list_display = (
        "id",
        "author",
        "kind",
        "group",
        "is_announcement",
        "created_at",
        "deleted_at",
        "moderation_state",
    )
    list_filter = ("kind", "is_announcement", "must_read", "moderation_state")
    search_fields = ("title", "body", "author__email", "author__display_name")
    list_select_related = ("author", "group")
    raw_id_fields = ("author", "group")
    readonly_fields = (
        "body_html",
        "comment_count",
        "reaction_counts",
        "edited_at",
        "deleted_at",
        "moderation_state",
    )
    exclude = ("praised", "tags", "mentioned")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "author", "post", "created_at", "deleted_at", "moderation_state")
    list_filter = ("moderation_state",)
    search_fields = ("body", "author__email")
    list_select_related = ("author", "post")
    raw_id_fields = ("author", "post", "parent")
    readonly_fields = ("body_html", "reaction_counts", "moderation_state")
    exclude = ("mentioned",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "created_at")
    search_fields = ("key",)
