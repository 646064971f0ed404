"""Blueprints: one module per user-facing area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from app.routes import admin
    from app.routes import assets
    from app.routes import auth
    from app.routes import befriending
    from app.routes import calls
    from app.routes import dashboard
    from app.routes import directory
    from app.routes import health
    from app.routes import lifts
    from app.routes import messages
    from app.routes import people
    from app.routes import personal_data
    from app.routes import places
    from app.routes import referrals
    from app.routes import rota
    from app.routes import sms
    from app.routes import today

    for module in (
        admin,
        assets,
        auth,
        befriending,
        calls,
        dashboard,
        directory,
        health,
        lifts,
        messages,
        people,
        personal_data,
        places,
        referrals,
        rota,
        sms,
        today,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(assets.site)
    register_template_filters(app)


def register_template_filters(app: Flask) -> None:
    """Filters the pages and texts share: phones the British way, times by the one clock.

    ``|clock`` reads a time (9:08am) and ``|when`` an instant in London time (2 Dec 2:05pm),
    the same words as the texts and run sheets (issue 10).
    """
    from app.services import clock
    from app.services.consent import agrees_to
    from app.services.consent import consent_view
    from app.services.lifts import lift_needs_in_words
    from app.services.people import volunteer_roles
    from app.services.phones import display_phone
    from app.services.places import lift_end

    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(clock.time_of_day, "clock")
    app.add_template_filter(clock.stamp, "when")
    app.add_template_filter(lift_needs_in_words, "needs")
    app.add_template_filter(volunteer_roles, "roles")
    app.add_template_filter(consent_view, "consents")  # people/_consents.html (issue 14)
    app.add_template_filter(agrees_to, "agrees_to")  # ``person|agrees_to('texts')``
    # A lift's two ends with places by name (issue 13): ``lift|from_place``, ``lift|to_place``.
    app.add_template_filter(lambda lift: lift_end(lift, pickup=True), "from_place")
    app.add_template_filter(lambda lift: lift_end(lift, pickup=False), "to_place")
    app.add_template_global(page_url, "page_url")


def page_url(number: int) -> str:
    """This list page with its search and filters kept, at page ``number`` (``_pager.html``)."""
    from flask import request
    from flask import url_for

    args = {**(request.view_args or {}), **request.args.to_dict(), "page": number}
    return url_for(request.endpoint or "", **args)
