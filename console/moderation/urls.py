from django.urls import path

from console.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="review-list"),
    path("versions/<int:version_id>/", views.ReviewDetailView.as_view(), name="review-detail"),
    path("versions/<int:version_id>/claim/", views.ReviewClaimView.as_view(), name="review-claim"),
    path(
        "versions/<int:version_id>/release/",
        views.ReviewReleaseView.as_view(),
        name="review-release",
    ),
    path(
        "versions/<int:version_id>/approve/",
        views.ReviewApproveView.as_view(),
        name="review-approve",
    ),
    path(
        "versions/<int:version_id>/reject/", views.ReviewRejectView.as_view(), name="review-reject"
    ),
]
