from django.urls import path

from apps.jobs.api import views

app_name = "jobs"

urlpatterns = [
    path("jobs", views.JobListApi.as_view(), name="job-list"),
    path("jobs/<int:job_id>", views.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/retry", views.JobRetryApi.as_view(), name="job-retry"),
]
