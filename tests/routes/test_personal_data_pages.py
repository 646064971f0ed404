"""Only an admin answers a data-protection request, on pages of their own (issue 14)."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from app.models import AuditLog
from app.models import Erasure
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


def test_erasure_is_confirmed_on_its_own_page_with_a_typed_reference(client, db):
    """GET explains; a wrong reference is a 400 next to the field; the right one erases."""
    story = joyce_story()
    sign_in(client, "admin")
    url = f"/admin/people/resident/{story.joyce.id}/erase"
    page = client.get(url).get_data(as_text=True)
    assert f"Erase Joyce Wilson (R{story.joyce.id})" in page
    assert "This cannot be undone" in page and f"Type R{story.joyce.id} to confirm" in page
    wrong = client.post(url, data={"reason": "Asked by phone", "confirm": "R0"})
    assert wrong.status_code == 400
    assert f"Type R{story.joyce.id} to confirm the erasure." in wrong.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Erasure)) == 0
    done = client.post(url, data={"reason": "Asked by phone", "confirm": f"R{story.joyce.id}"})
    assert done.status_code == 302
    after = client.get(url).get_data(as_text=True)
    assert f"R{story.joyce.id} is erased" in after and "Asked by phone" in after
    assert "Joyce" not in after


@pytest.mark.parametrize("role", ["coordinator", "viewer"])
def test_only_admins_erase(client, db, role):
    """Coordinators and viewers get 403 on the page and the POST; nothing is erased."""
    story = joyce_story()
    sign_in(client, role)
    url = f"/admin/people/resident/{story.joyce.id}/erase"
    assert client.get(url).status_code == 403
    response = client.post(url, data={"reason": "x", "confirm": f"R{story.joyce.id}"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Erasure)) == 0
