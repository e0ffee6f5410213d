from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.survey_new, name="survey_new"),
    path("themes/", views.themes, name="themes"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:qpk>/delete/", views.question_delete, name="question_delete"),
    path("<int:pk>/questions/<int:qpk>/move/", views.question_move, name="question_move"),
    path("<int:pk>/questions/<int:qpk>/edit/", views.question_edit, name="question_edit"),
    path("<int:pk>/questions/order/", views.questions_order, name="questions_order"),
    path("<int:pk>/status/", views.survey_status, name="survey_status"),
    path("<int:pk>/send/", views.survey_send, name="survey_send"),
    path("<int:pk>/import/", views.survey_import, name="survey_import"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results.csv", views.results_csv, name="results_csv"),
    path("answers/<int:pk>/tag/", views.answer_tag, name="answer_tag"),
]
