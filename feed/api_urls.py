from django.urls import path

from feed import api

urlpatterns = [
    path("posts/", api.PostListCreateApi.as_view(), name="posts"),
    path("posts/<int:pk>/", api.PostDetailApi.as_view(), name="post-detail"),
    path("posts/<int:pk>/history/", api.PostHistoryApi.as_view(), name="post-history"),
    path("posts/<int:pk>/comments/", api.CommentListCreateApi.as_view(), name="post-comments"),
    path("posts/<int:pk>/reactions/", api.PostReactionsApi.as_view(), name="post-reactions"),
    path("posts/<int:pk>/acknowledgements/", api.AcknowledgementsApi.as_view(), name="post-acknowledgements"),
    path("comments/<int:pk>/", api.CommentDetailApi.as_view(), name="comment-detail"),
    path("comments/<int:pk>/reactions/", api.CommentReactionsApi.as_view(), name="comment-reactions"),
    path("tags/", api.TagListApi.as_view(), name="tags"),
    path("tags/<str:key>/", api.TagDetailApi.as_view(), name="tag-detail"),
]
