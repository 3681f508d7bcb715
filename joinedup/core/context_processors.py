from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, str]:
    """The service's name and phase for the layout."""
    return {
        "service_name": settings.JOINEDUP_SERVICE_NAME,
        "service_phase": settings.JOINEDUP_PHASE,
        "feedback_email": settings.JOINEDUP_FEEDBACK_EMAIL,
    }
