from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/assign/", views.item_assign, name="item_assign"),
    path("items/<int:pk>/act/", views.item_act, name="item_act"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/act/", views.person_act, name="person_act"),
    path("suspensions/<int:pk>/lift/", views.suspension_lift, name="suspension_lift"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("decisions/<int:pk>/appeal/", views.appeal_create, name="appeal"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("suspended/", views.suspended, name="suspended"),
    path("report/<str:type_key>/<int:pk>/", views.report, name="report"),
    path("screen/", views.screen, name="screen"),
    path("banner/", views.banner, name="banner"),
    path("audit/", views.audit, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]
