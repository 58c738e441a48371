from django.urls import path

from feed.questions import views

app_name = "questions"

urlpatterns = [
    path("", views.question_list, name="list"),
    path("ask/", views.question_ask, name="ask"),
    path("similar/", views.question_similar, name="similar"),
    path("<int:pk>/", views.question_detail, name="detail"),
    path("<int:pk>/answers/", views.answer_create, name="answer"),
    path("<int:pk>/unaccept/", views.question_unaccept, name="unaccept"),
    path("answers/<int:pk>/vote/", views.answer_vote, name="vote"),
    path("answers/<int:pk>/accept/", views.answer_accept, name="accept"),
    path("answers/<int:pk>/delete/", views.answer_delete, name="answer_delete"),
]
