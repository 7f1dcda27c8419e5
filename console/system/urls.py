from django.urls import path

from console.system import views

app_name = "system"

urlpatterns = [
    path("", views.SystemStatusView.as_view(), name="status"),
    path("diagnostic/", views.DiagnosticRunView.as_view(), name="diagnostic-run"),
    path("jobs/<int:job_id>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/progress/", views.JobProgressView.as_view(), name="job-progress"),
    path("jobs/<int:job_id>/retry/", views.JobRetryView.as_view(), name="job-retry"),
]
