from allauth.account.decorators import secure_admin_login
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from hub import api, api_drivers, api_spend, views, views_business, views_drivers, views_spend

# The admin signs in through the app's sign-in, so two-factor and throttling apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

router = DefaultRouter()
router.register("teams", api.TeamViewSet, basename="team")
router.register("events", api.EventViewSet, basename="event")
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("promo-codes", api.PromoCodeViewSet, basename="promo-code")
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("deliveries", api.DeliveryViewSet, basename="delivery")
router.register("spend", api_spend.SpendViewSet, basename="spend")
router.register("drivers", api_drivers.DriverViewSet, basename="driver")

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/edit/", views.team_edit, name="team_edit"),
    path("teams/<slug:slug>/delete/", views.team_delete, name="team_delete"),
    path("teams/<slug:slug>/members/", views.team_member_add, name="team_member_add"),
    path("memberships/<int:pk>/", views.membership_update, name="membership_update"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/active/", views.person_set_active, name="person_set_active"),
    path(
        "invitations/<int:pk>/<str:action>/",
        views.invitation_action,
        name="invitation_action",
    ),
    path("audit/", views.audit, name="audit"),
    path("zones/", views_business.zone_list, name="zone_list"),
    path("zones/<int:pk>/", views_business.zone_list, name="zone_edit"),
    path("campaigns/", views_business.campaign_list, name="campaign_list"),
    path("drivers/", views_drivers.driver_list, name="driver_list"),
    path("drivers/import/", views_drivers.driver_import, name="driver_import"),
    path("drivers/<int:pk>/", views_drivers.driver_edit, name="driver_edit"),
    path("spend/", views_spend.spend_page, name="spend"),
    path("spend/import/", views_spend.spend_import, name="spend_import"),
    path("spend/<int:pk>/remove/", views_spend.spend_remove, name="spend_remove"),
    path("campaigns/<int:pk>/", views_business.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views_business.campaign_edit, name="campaign_edit"),
    path("promo-codes/<int:pk>/", views_business.promo_code_edit, name="promo_code_edit"),
    path(
        "campaigns/<int:pk>/<str:action>/",
        views_business.campaign_action,
        name="campaign_action",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("hooks/", include("handoffs.webhook_urls")),
    path("ack/", include("handoffs.ack_urls")),
    path("s/", include("feedback.public_urls")),
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
    ),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("handoffs.api_urls")),
    path("api/v1/", include("kpis.api_urls")),
    path("api/v1/", include("feedback.api_urls")),
    path("api/v1/", include("standups.api_urls")),
    path("api/v1/", include("wiki.api_urls")),
    path("api/v1/", include("workflows.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Swagger UI sets inline styles on its widgets; scripts stay 'self' only.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    path("workflows/", include("workflows.urls")),
    path("kpis/", include("kpis.urls")),
    path("handoffs/", include("handoffs.urls")),
    path("feedback/", include("feedback.urls")),
    path("standups/", include("standups.urls")),
    path("wiki/", include("wiki.urls")),
]
