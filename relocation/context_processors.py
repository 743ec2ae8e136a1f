from .access import access_of
from .models import Role
from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_of(user)
    role_labels = dict(Role.choices)
    return {
        "menu": menu_for(user),
        "user_roles": [
            {"label": role_labels.get(role, role), "states": sorted(states)}
            for role, states in sorted(access.roles.items())
        ],
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
