from django.urls import path

from feed.questions import api

urlpatterns = [
    path("", api.QuestionListCreateApi.as_view(), name="questions"),
    path("similar/", api.SimilarQuestionsApi.as_view(), name="questions-similar"),
    path("<int:pk>/", api.QuestionDetailApi.as_view(), name="question-detail"),
    path("<int:pk>/answers/", api.AnswerListCreateApi.as_view(), name="question-answers"),
    path("answers/<int:pk>/vote/", api.AnswerVoteApi.as_view(), name="answer-vote"),
    path("answers/<int:pk>/accept/", api.AnswerAcceptApi.as_view(), name="answer-accept"),
]
