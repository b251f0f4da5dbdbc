"""The student pages."""

from django.urls import path

from learners import views

app_name = "learners"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("signup/", views.signup, name="signup"),
    path("join/", views.join_class, name="join"),
    path("join/<str:code>/", views.join_class, name="join-code"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/enroll/", views.enroll_in_course, name="enroll"),
    path("courses/<slug:slug>/practice/", views.practice, name="practice"),
    path("courses/<slug:slug>/attempts/<int:pk>/", views.attempt_result, name="attempt"),
    path("courses/<slug:slug>/progress/", views.progress, name="progress"),
    path("account/", views.account, name="account"),
    path("account/password/", views.choose_password, name="choose-password"),
    path("account/email/", views.account_email, name="email"),
    path("account/email/resend/", views.account_email_resend, name="email-resend"),
    path("account/email/cancel/", views.account_email_cancel, name="email-cancel"),
    path("account/email/confirm/<str:token>/", views.account_email_confirm, name="email-confirm"),
    path("account/data.json", views.account_download, name="account-download"),
]
