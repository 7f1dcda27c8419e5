from django.urls import path

from console.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.JobListView.as_view(), name="job-list"),
    path("<int:job_id>/", views.JobDetailView.as_view(), name="job-detail"),
    path("<int:job_id>/progress/", views.JobProgressView.as_view(), name="job-progress"),
    path("<int:job_id>/retry/", views.JobRetryView.as_view(), name="job-retry"),
]
