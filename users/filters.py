import django_filters

from core.filters import UserIdFilter
from users.models import Contract, User


class UserFilter(django_filters.FilterSet):
    class Meta:
        model = User
        fields = ["role", "team", "is_active"]


class ContractFilter(django_filters.FilterSet):
    user = UserIdFilter()

    class Meta:
        model = Contract
        fields = ["user"]
