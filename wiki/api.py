"""REST API for shared docs: pages (with the conflict check) and their revisions."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hub.api import choice_param
from hub.models import Team
from hub.permissions import IsTeamMember
from wiki import selectors, services
from wiki.models import Page, Revision, Space, Template


class RevisionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.email", default=None, read_only=True)

    class Meta:
        model = Revision
        fields = ["id", "number", "title", "body", "kind", "note", "author", "created_at"]


class PageSerializer(serializers.ModelSerializer):
    space = serializers.SlugRelatedField(slug_field="slug", queryset=Space.objects.all())
    owner_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Page.objects.all(), required=False, allow_null=True
    )
    template = serializers.ChoiceField(choices=Template.choices, default=Template.BLANK)
    context = serializers.DictField(
        write_only=True,
        required=False,
        help_text="Values for the template (zones, dates, promo_codes, expected_volume, …).",
    )
    base_revision = serializers.IntegerField(
        write_only=True,
        required=False,
        help_text="On update: the revision your text is based on. A stale one is refused (409).",
    )
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    review_due_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Page
        fields = [
            "id",
            "space",
            "parent",
            "title",
            "slug",
            "body",
            "template",
            "context",
            "owner_team",
            "review_every_days",
            "reviewed_at",
            "review_due_at",
            "revision_number",
            "base_revision",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = ["slug", "revision_number", "reviewed_at", "created_at", "updated_at"]
        extra_kwargs = {"body": {"required": False}, "review_every_days": {"required": False}}


class RelatedSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()
    note = serializers.CharField()


class PageDetailSerializer(PageSerializer):
    related = serializers.SerializerMethodField(
        help_text="What points at the page from other modules, e.g. the pilot it writes up."
    )

    class Meta(PageSerializer.Meta):
        fields = [*PageSerializer.Meta.fields, "related"]

    @extend_schema_field(RelatedSerializer(many=True))
    def get_related(self, obj: Page) -> list[dict[str, str]]:
        user = self.context["request"].user
        return [RelatedSerializer(r).data for r in selectors.related_to_page(user, obj)]


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    current_revision = serializers.IntegerField()
    conflict_copy = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(
        summary="List pages, newest change first",
        parameters=[
            OpenApiParameter("space", str, description="Space slug"),
            OpenApiParameter("template", str, enum=Template.values),
            OpenApiParameter("owner", str, description="Owner team slug"),
        ],
    ),
    retrieve=extend_schema(summary="One page with its Markdown body and what points at it"),
    create=extend_schema(
        summary="Create a page (optionally from a template with context values)",
    ),
    update=extend_schema(
        summary="Save a new revision (send base_revision)",
        responses={200: PageSerializer, 409: ConflictSerializer},
    ),
    partial_update=extend_schema(
        summary="Save a new revision or change settings (send base_revision with text)",
        responses={200: PageSerializer, 409: ConflictSerializer},
    ),
)
class PageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PageSerializer
    permission_classes = [IsTeamMember]

    def get_serializer_class(self):
        return PageDetailSerializer if self.action == "retrieve" else PageSerializer

    def get_queryset(self) -> QuerySet[Page]:
        if getattr(self, "swagger_fake_view", False):
            return Page.objects.none()
        params = self.request.query_params
        space = (
            selectors.get_space_for_user(self.request.user, params["space"])
            if params.get("space")
            else None
        )
        template = choice_param(params, "template", Template.values) or ""
        owner = (
            Team.objects.filter(slug=params.get("owner")).first() if params.get("owner") else None
        )
        return selectors.page_list(self.request.user, space=space, template=template, owner=owner)

    def get_object(self) -> Page:
        return selectors.get_page_for_user(self.request.user, int(self.kwargs["pk"]))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("template", Template.BLANK) != Template.BLANK and not data.get("body"):
            page = services.page_create_from_template(
                actor=request.user,
                space=data["space"],
                template=data["template"],
                title=data["title"],
                context=data.get("context"),
                parent=data.get("parent"),
                owner_team=data.get("owner_team"),
            )
        else:
            page = services.page_create(
                actor=request.user,
                space=data["space"],
                title=data["title"],
                body=data.get("body", ""),
                template=data.get("template", Template.BLANK),
                parent=data.get("parent"),
                owner_team=data.get("owner_team"),
                review_every_days=data.get("review_every_days"),
            )
        return Response(self.get_serializer(page).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        page = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(page, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "space" in data and data["space"] != page.space:
            raise serializers.ValidationError({"space": ["A page cannot move to another space."]})
        if "title" in data or "body" in data:
            if "base_revision" not in data:
                raise serializers.ValidationError(
                    {"base_revision": ["Send the revision your text is based on."]}
                )
            saved = services.page_save(
                actor=request.user,
                page=page,
                title=data.get("title", page.title),
                body=data.get("body", page.body),
                base_number=data["base_revision"],
            )
            if saved.refused:
                assert saved.conflict is not None  # noqa: S101 - refused means a copy exists
                return Response(
                    {
                        "detail": "The page changed since revision "
                        f"{saved.conflict.base_number}: it is at revision "
                        f"{saved.conflict.current_number}. Your text is kept as a conflict "
                        "copy; merge it into the latest revision and save again.",
                        "code": "conflict",
                        "current_revision": saved.conflict.current_number,
                        "conflict_copy": saved.conflict.pk,
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            page = saved.page
        if {"owner_team", "review_every_days", "parent"} & set(data):
            page = services.page_update_settings(
                actor=request.user,
                page=page,
                owner_team=data.get("owner_team", page.owner_team),
                review_every_days=data.get("review_every_days", page.review_every_days),
                parent=data.get("parent", page.parent),
            )
        page.refresh_from_db()
        return Response(self.get_serializer(page).data)

    @extend_schema(
        summary="A page's revisions, newest first", responses=RevisionSerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        page = self.get_object()
        queryset = selectors.revision_list(page)
        paged = self.paginate_queryset(queryset)
        return self.get_paginated_response(RevisionSerializer(paged, many=True).data)
