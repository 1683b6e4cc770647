from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from imports import services
from imports.formats import template_file
from imports.models import Import
from imports.selectors import imports_visible_to
from imports.serializers import ImportCreateSerializer, ImportSerializer, ImportTemplateQuerySerializer


class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Files of people, projects, time entries or leave, validated and committed in the
    background. Everyone sees their own imports; admins see all (and may revert them)."""

    serializer_class = ImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Import.objects.none()
        return imports_visible_to(self.request.user)

    def perform_content_negotiation(self, request, force=False):
        # `?format=` picks the template's file type, not a renderer; errors stay JSON.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(request={"multipart/form-data": ImportCreateSerializer}, responses={202: ImportSerializer})
    def create(self, request):
        body = ImportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        source = services.import_create(actor=request.user, request=request, **body.validated_data)
        return Response(ImportSerializer(source).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportSerializer, 200: ImportSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        source = services.import_commit(actor=request.user, import_id=self.get_object().pk)
        done = source.status == source.Status.DONE
        return Response(ImportSerializer(source).data, status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ImportSerializer})
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        source = services.import_revert(actor=request.user, import_id=self.get_object().pk, request=request)
        return Response(ImportSerializer(source).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=["users", "projects", "time_entries", "leave"], required=True),
            OpenApiParameter("format", str, enum=["csv", "xlsx"]),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def template(self, request):
        """The template file of a kind, with one example row."""
        query = ImportTemplateQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        filename, media_type, content = template_file(query.validated_data["kind"], query.validated_data["format"])
        response = HttpResponse(content, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
