from django.urls import path

from search import pages

urlpatterns = [path("search/", pages.search_page, name="search-page")]
