from django.http import JsonResponse


def json_error(status: int, message: str) -> JsonResponse:
    """Every JSON error answer of the bridge: {"error": "..."}."""
    return JsonResponse({"error": message}, status=status)
