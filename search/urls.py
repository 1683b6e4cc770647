from django.urls import re_path

from search import api

urlpatterns = [re_path(r"^search/?$", api.SearchView.as_view(), name="search")]
