"""REST API for surveys and responses: members read, managers and admins write."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response as ApiResponse

from feedback import selectors, services
from feedback.models import Answer, Question, Response, Survey
from feedback.templates_catalog import TEMPLATES
from hub import roles
from hub import selectors as hub_selectors
from hub.errors import DomainError


class IsManagerOrReadOnly(BasePermission):
    message = "Only managers and admins can change surveys."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return roles.is_member(request.user)
        return roles.is_manager(request.user)


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = [
            "id",
            "position",
            "kind",
            "text",
            "required",
            "choices",
            "measures",
            "show_if",
            "show_if_values",
            "external_ref",
        ]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)
    template = serializers.ChoiceField(
        choices=list(TEMPLATES),
        write_only=True,
        required=False,
        help_text="Create from a ready-made survey (its questions included).",
    )
    responses = serializers.SerializerMethodField(help_text="How many responses it has.")
    drivers = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=hub_selectors.driver_choices(),
        help_text="Driver surveys sent to chosen drivers: their ids (see /api/v1/drivers/).",
    )

    class Meta:
        model = Survey
        fields = [
            "id",
            "title",
            "description",
            "audience",
            "status",
            "anonymous",
            "min_group_size",
            "schedule",
            "driver_scope",
            "drivers",
            "reminder_after_days",
            "max_reminders",
            "expires_after_days",
            "typeform_form_id",
            "template",
            "template_key",
            "questions",
            "responses",
            "created_at",
        ]
        read_only_fields = ["id", "status", "template_key", "created_at"]
        extra_kwargs = {"title": {"required": False}, "audience": {"required": False}}

    def get_responses(self, obj: Survey) -> int:
        count = getattr(obj, "n_responses", None)
        return obj.responses.count() if count is None else count


class AnswerSerializer(serializers.ModelSerializer):
    question_text = serializers.CharField(source="question.text", read_only=True)
    themes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Answer
        fields = ["question", "question_text", "number", "text", "choices", "themes"]


class ResponseSerializer(serializers.ModelSerializer):
    answers = AnswerSerializer(many=True, read_only=True)
    zone = serializers.SlugRelatedField(read_only=True, slug_field="code")
    team = serializers.SlugRelatedField(read_only=True, slug_field="name")

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "source",
            "score",
            "measure",
            "zone",
            "campaign",
            "team",
            "promo",
            "customer",
            "delivery",
            "order_ref",
            "submitted_at",
            "answers",
        ]


class QuestionWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    text = serializers.CharField(max_length=300)
    required = serializers.BooleanField(default=False)
    help_text = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50
    )
    measures = serializers.ChoiceField(
        choices=Question.Measure.choices, required=False, default="", allow_blank=True
    )
    show_if = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="An earlier question's id."
    )
    show_if_values = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=20
    )
    external_ref = serializers.CharField(
        max_length=120, required=False, default="", allow_blank=True
    )


class QuestionEditSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300, required=False)
    required = serializers.BooleanField(required=False)
    help_text = serializers.CharField(max_length=300, required=False, allow_blank=True)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )


class ReorderSerializer(serializers.Serializer):
    questions = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=False,
        max_length=500,
        help_text="Every question id of the survey once, top first.",
    )


class SendSerializer(serializers.Serializer):
    invited = serializers.IntegerField(read_only=True)


@extend_schema_view(
    list=extend_schema(summary="Surveys, newest first"),
    create=extend_schema(summary="Create a survey (blank, or from a template)"),
)
class SurveyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SurveySerializer
    permission_classes = [IsManagerOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Survey.objects.none()
        return selectors.survey_list(self.request.user).prefetch_related("questions", "drivers")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        key = data.pop("template", None)
        if key:
            survey = services.survey_from_template(actor=self.request.user, key=key)
            if data:
                survey = services.survey_save(actor=self.request.user, survey=survey, data=data)
        else:
            if not data.get("title") or not data.get("audience"):
                raise DomainError("Give a title and an audience, or a template.")
            survey = services.survey_save(actor=self.request.user, data=data)
        serializer.instance = survey

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("template", None)
        serializer.instance = services.survey_save(
            actor=self.request.user, survey=serializer.instance, data=data
        )

    @extend_schema(
        summary="Add a question at the end of the survey",
        request=QuestionWriteSerializer,
        responses={201: QuestionSerializer},
    )
    @action(detail=True, methods=["post"])
    def questions(self, request, pk=None):
        survey = self.get_object()
        data = QuestionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        show_if = values.pop("show_if")
        question = services.question_add(
            actor=request.user,
            survey=survey,
            show_if=selectors.question_of(survey, show_if) if show_if else None,
            **values,
        )
        return ApiResponse(QuestionSerializer(question).data, status=201)

    @extend_schema(
        summary="Reword a question, or remove one nobody has answered",
        request=QuestionEditSerializer,
        responses={200: QuestionSerializer, 204: None},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"questions/(?P<question_id>[0-9]+)",
        url_name="question",
    )
    def question(self, request, pk=None, question_id=None):
        survey = self.get_object()
        question = selectors.question_of(survey, int(question_id))
        if request.method == "DELETE":
            services.question_delete(actor=request.user, question=question)
            return ApiResponse(status=204)
        data = QuestionEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        question = services.question_update(
            actor=request.user,
            question=question,
            text=values.get("text", question.text),
            required=values.get("required", question.required),
            help_text=values.get("help_text", question.help_text),
            choices=values.get("choices"),
        )
        return ApiResponse(QuestionSerializer(question).data)

    @extend_schema(
        summary="Put the survey's questions in a new order",
        request=ReorderSerializer,
        responses=SurveySerializer,
    )
    @action(detail=True, methods=["post"])
    def reorder(self, request, pk=None):
        survey = self.get_object()
        data = ReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.questions_reorder(
            actor=request.user, survey=survey, order=data.validated_data["questions"]
        )
        survey = (
            selectors.survey_list(request.user)
            .prefetch_related("questions", "drivers")
            .get(pk=survey.pk)
        )
        return ApiResponse(SurveySerializer(survey, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Invite the survey's audience now", request=None, responses=SendSerializer
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        survey = self.get_object()
        invited = services.survey_send(
            actor=request.user, survey=survey, round=f"now:{timezone.localdate():%Y-%m-%d}"
        )
        return ApiResponse({"invited": invited})


@extend_schema_view(
    list=extend_schema(
        summary="Responses, newest first",
        parameters=[OpenApiParameter("survey", int, description="Only this survey's")],
    )
)
class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ResponseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Response.objects.none()
        qs = selectors.responses_for_user(self.request.user)
        survey = self.request.query_params.get("survey", "")
        if survey:
            if not survey.isdigit():
                raise DomainError("survey must be a survey id.", field="survey")
            qs = qs.filter(survey_id=int(survey))
        return qs
