from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.views import api_not_found
from learners.forms import AdminSignInForm, SignInForm
from learners.views import ResetPassword, ResetPasswordRequest

handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"
admin.site.login_form = AdminSignInForm

urlpatterns = [
    # The admin's login page links to this name ("Forgotten your login credentials?").
    path(
        "admin/password_reset/",
        RedirectView.as_view(pattern_name="password_reset"),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    # Optional slashes, as in config.api: the catch-all below leaves Django no unmatched path to redirect.
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's start-up script at its own URL (?script) and its page styles in a file, not inline, as the
    # Content-Security-Policy wants.
    re_path(
        r"^api/docs/?$",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/docs.html"),
        name="api-docs",
    ),
    re_path(r"^api/", api_not_found),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", ResetPasswordRequest.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path("accounts/reset/<uidb64>/<token>/", ResetPassword.as_view(), name="password_reset_confirm"),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("", include("learners.urls")),
]
