"""Staff page of language suggestions (/staff/ai/languages/): the works whose title says a language their
records do not code (none, or another one), most confident first, and which of them the language facet
uses. Read-only (the records are never altered): for every member of staff, works being the network's."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from khizana.accounts.decorators import staff_required
from khizana.core.vocabularies import language_name

from .language_services import suggestions
from .models_language import LanguageSuggestion


class SuggestionFilter(forms.Form):
    reason = forms.ChoiceField(
        label=_("Records say"),
        required=False,
        choices=[("", _("anything")), *LanguageSuggestion.Reason.choices],
    )
    language = forms.ChoiceField(label=_("Suggested language"), required=False)
    min_confidence = forms.FloatField(
        label=_("Confidence from"), required=False, min_value=0.0, max_value=1.0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = settings.KHIZANA_AI_LANGUAGES
        self.fields["language"].choices = [("", _("any")), *((c, language_name(c)) for c in codes)]


@require_safe
@staff_required
def language_suggestions(request: HttpRequest) -> HttpResponse:
    form = SuggestionFilter(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    threshold = settings.KHIZANA_AI_LANGUAGE_THRESHOLD
    found = suggestions(
        chosen.get("reason") or "", chosen.get("min_confidence") or 0.0, chosen.get("language") or ""
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    for suggestion in page:
        suggestion.language_label = language_name(suggestion.language)
        suggestion.coded_labels = [language_name(code) for code in suggestion.coded]
        suggestion.in_facet = suggestion.reason == "missing" and suggestion.confidence >= threshold
    above = LanguageSuggestion.objects.filter(reason="missing", confidence__gte=threshold)
    summary = [
        {"language": language_name(row["language"]), "count": row["count"]}
        for row in above.values("language").annotate(count=Count("id")).order_by("-count", "language")
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ai/staff/languages.html",
        {
            "form": form,
            "page": page,
            "threshold": threshold,
            "summary": summary,
            "in_facet": sum(row["count"] for row in summary),
            "query": query.urlencode(),
        },
    )
