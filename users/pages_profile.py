"""The profile page: the signed-in person chooses the language pages, emails and feeds use."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.i18n import request_language
from users.services import user_profile_update


class LanguageForm(forms.Form):
    # Each language is named in itself, so whoever reads the page finds their own.
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser asks")), *settings.LANGUAGES],
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_page(request):
    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST":
        if form.is_valid():
            user_profile_update(user=request.user, language=form.cleaned_data["language"])
            translation.activate(request_language(request))  # the confirmation speaks the new language
            messages.success(request, gettext("Your language is saved."))
            return redirect("profile")
        return render(request, "users/profile.html", {"form": form, "nav": "profile"}, status=400)
    return render(request, "users/profile.html", {"form": form, "nav": "profile"})
