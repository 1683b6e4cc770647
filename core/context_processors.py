from django.conf import settings


def project(request):
    return {"PROJECT_NAME": settings.PROJECT_NAME}
