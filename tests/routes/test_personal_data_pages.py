"""Only an admin answers a data-protection request, on pages of their own (issue 14)."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from app.models import AuditLog
from tests.conftest import sign_in
from tests.personal_data_story import joyce_story


def test_admin_sees_what_the_export_holds_then_downloads_it(client, db):
    """GET lists each file with its row count; POST downloads the zip and audits it."""
    story = joyce_story()
    sign_in(client, "admin")
    url = f"/admin/people/resident/{story.joyce.id}/export"
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Export everything held about Joyce Wilson" in text
    assert "<code>messages</code>" in text and "Every text to and from you" in text
    download = client.post(url)
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert "residents.json" in archive.namelist()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditLog.action == "subject_access_export")
        )
        == 1
    )


@pytest.mark.parametrize("role", ["coordinator", "viewer"])
def test_coordinators_and_viewers_get_403(client, db, role):
    """Least privilege: the export is the admin's, even for looking at the list."""
    story = joyce_story()
    sign_in(client, role)
    url = f"/admin/people/resident/{story.joyce.id}/export"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_unknown_kind_or_person_is_not_a_500(client, db):
    """A made-up kind is a 400 naming it; an unknown person a 404."""
    sign_in(client, "admin")
    assert client.get("/admin/people/staff/1/export").status_code == 400
    assert client.get("/admin/people/volunteer/999/export").status_code == 404


def test_the_persons_page_links_admins_to_the_export(client, db):
    """The admin finds the export on the person's page."""
    story = joyce_story()
    sign_in(client, "admin")
    page = client.get(f"/people/residents/{story.joyce.id}")
    assert page.status_code == 200
    assert f"/admin/people/resident/{story.joyce.id}/export" in page.get_data(as_text=True)
