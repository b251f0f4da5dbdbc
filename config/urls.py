from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.views import api_not_found
from learners.forms import AdminSignInForm, SignInForm

handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"
admin.site.login_form = AdminSignInForm

urlpatterns = [
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
    path("", include("learners.urls")),
]
