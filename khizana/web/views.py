from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from khizana.catalog.models import SourceRecord, Work
from khizana.libraries.models import Library


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "libraries": Library.objects.all(),
        "work_count": Work.objects.count(),
        "record_count": SourceRecord.objects.filter(deleted=False, kind="bibliographic").count(),
        "shared_work_count": Work.objects.filter(library_count__gt=1).count(),
    }
    return render(request, "web/home.html", context)
