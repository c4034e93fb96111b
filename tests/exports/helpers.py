"""Run exports the way the admin and the `export` command do: through the registry, with the
options validated by each export's own form."""

from exports.registry import get_exporter


def run(identifier, conference, *, user=None, **params):
    params = {key: value for key, value in params.items() if value not in (None, "", [], ())}
    return get_exporter(identifier)(conference=conference, user=user).run(params)


def attendee_list(*, conference, user=None, fmt="csv", session=None, statuses=()):
    session_id = session.pk if session is not None else None
    return run(
        "attendees", conference, user=user, format=fmt, session=session_id, status=list(statuses)
    )


def session_lists(*, conference, user=None, fmt="xlsx"):
    return run("session_lists", conference, user=user, format=fmt)


def participant_list(*, conference, user=None, fmt="pdf"):
    return run("participant_list", conference, user=user, format=fmt)


def catering_summary(*, conference, user=None, fmt="xlsx", statuses=()):
    return run("catering", conference, user=user, format=fmt, status=list(statuses))


def sign_in_sheets(*, conference, user=None, day=None, session=None, by_session=False):
    return run(
        "sign_in",
        conference,
        user=user,
        day=day.isoformat() if day else None,
        session=session.pk if session is not None else None,
        by="session" if by_session else None,
    )


def badges(*, conference, user=None, layout="a4", roles=()):
    return run("badges", conference, user=user, layout=layout, role=list(roles or ()))


def certificates(*, conference, user=None, registration=None):
    registration_id = registration.pk if registration is not None else None
    return run("certificates", conference, user=user, registration=registration_id)
