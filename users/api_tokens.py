"""`/api/v1/tokens`: people make, list and revoke their own personal access tokens (another
person's token answers 404). Revoking keeps the row; it is listed as revoked."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import Forbidden
from core.viewsets import ScopedQuerysetMixin
from users import selectors, services_tokens
from users.models import PersonalAccessToken
from users.serializers_tokens import (
    PersonalAccessTokenCreatedSerializer,
    PersonalAccessTokenCreateSerializer,
    PersonalAccessTokenSerializer,
)


class PersonalAccessTokenViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PersonalAccessTokenSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    model = PersonalAccessToken

    def scoped_queryset(self, user):
        return selectors.personal_tokens_of(user)

    def get_serializer_class(self):
        return PersonalAccessTokenCreateSerializer if self.action == "create" else PersonalAccessTokenSerializer

    @extend_schema(responses={201: PersonalAccessTokenCreatedSerializer})
    def create(self, request):
        # A leaked token must not be able to mint successors that outlive it.
        if isinstance(request.auth, PersonalAccessToken):
            raise Forbidden(
                gettext("Tokens are made after signing in with a password, not with a token."), code="token_used"
            )
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, secret = services_tokens.token_create(user=request.user, request=request, **body.validated_data)
        answer = PersonalAccessTokenCreatedSerializer(token, context={"secret": secret})
        return Response(answer.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services_tokens.token_revoke(token=self.get_object(), actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: PersonalAccessTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services_tokens.token_revoke(token=self.get_object(), actor=request.user, request=request)
        return Response(PersonalAccessTokenSerializer(token).data)
