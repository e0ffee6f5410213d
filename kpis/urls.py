from django.urls import path

from kpis import views

app_name = "kpis"
urlpatterns = [
    path("", views.index, name="index"),
    path("f/<str:function>/", views.function_dashboard, name="function"),
    path("m/<str:key>/", views.metric_detail, name="metric"),
    path("m/<str:key>/<str:kind>.csv", views.chart_csv, name="chart_csv"),
    path("m/<str:key>/target/", views.target_set, name="target"),
    path("m/<str:key>/manual/", views.manual_value, name="manual"),
    path("rows/<str:kind>/", views.rows, name="rows"),
    path("rebuild/", views.rebuild, name="rebuild"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("scorecard/baseline/", views.scorecard_baseline, name="baseline"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/start/", views.review_start, name="review_start"),
    path("reviews/<str:month>/", views.review, name="review"),
    path("reviews/<str:month>/<str:action>/", views.review_action, name="review_action"),
]
