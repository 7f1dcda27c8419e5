from django.urls import path

from apps.moderation.api import views

app_name = "moderation"

VERSION = "moderation/versions/<int:version_id>"

urlpatterns = [
    path("moderation/queue", views.ReviewQueueApi.as_view(), name="review-queue"),
    path(VERSION, views.ReviewDetailApi.as_view(), name="review-detail"),
    path(f"{VERSION}/claim", views.ReviewClaimApi.as_view(), name="review-claim"),
    path(f"{VERSION}/release", views.ReviewReleaseApi.as_view(), name="review-release"),
    path(f"{VERSION}/approve", views.ReviewApproveApi.as_view(), name="review-approve"),
    path(f"{VERSION}/reject", views.ReviewRejectApi.as_view(), name="review-reject"),
]
