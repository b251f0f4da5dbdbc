"""A new e-mail address is used only once its owner opens the link sent to it (sign-up, the account page, the
API): until then reset links keep going to the address the account had. And a pupil whose account has an
address is told when a teacher gives them a new temporary password.

A link that confirms nothing (expired, changed, used already, for an address no longer waiting) is a page
that says why, with status 400, and changes nothing."""

import html
import logging
import re
import socket
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.tests.test_api_contract import assert_as_documented
from conftest import client_for
from learners.models import PendingEmail
from learners.services import enroll, learner_for
from learners.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # the factories' password
NEW_PASSWORD = "Nine-blue-owls-sleep"
API = "/api/v1/account/email/"


def confirmation_link_in(message) -> str:
    return re.search(r"http://testserver(/account/email/confirm/\S+/)", message.body).group(1)


def confirm(client: Client, link: str):
    """Open the link and press its button, as its owner does; the page the button leads to."""
    page = client.get(link)
    assert page.status_code == 200 and "Yes, this address is mine" in page.content.decode()
    return client.post(link, follow=True)


def reset_links_to(email: str) -> list:
    """The reset e-mails a request for ``email``'s links sends."""
    before = len(mail.outbox)
    assert Client().post("/accounts/password-reset/", {"email": email}).status_code == 302
    return mail.outbox[before:]


def page_text(response) -> str:
    """The page's markup, its spaces and line breaks as one space, its entities read (&#x27; as ')."""
    return html.unescape(" ".join(response.content.decode().split()))


@pytest.fixture
def kim(db):
    user = UserFactory(username="kim", email="kim@example.org")
    Token.objects.create(user=user)
    return user


@pytest.fixture
def kim_signed_in(kim) -> Client:
    client = Client()
    client.force_login(kim)
    return client


def change_address(client: Client, email: str, password: str = PASSWORD):
    return client.post("/account/email/", {"email": email, "password": password}, follow=True)


def refused_smtp(settings) -> None:
    """Send mail to a port nothing listens on: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False


def test_a_new_address_is_used_only_once_its_owner_opens_the_link_sent_to_it(kim, kim_signed_in):
    changed = change_address(kim_signed_in, "kim@school.example")
    assert "We sent a link to kim@school.example: open it within 24 hours" in page_text(changed)
    assert "Until then, links to reset a forgotten password go to kim@example.org" in page_text(changed)
    [link_mail] = mail.outbox
    assert link_mail.to == ["kim@school.example"]
    assert "account kim" in link_mail.body and "It works within 24 hours" in link_mail.body
    link = confirmation_link_in(link_mail)

    account = page_text(kim_signed_in.get("/account/"))
    assert "Links to reset a forgotten password go to <strong>kim@example.org</strong>" in account
    assert "waiting for you to open the link we sent to kim@school.example" in account
    assert "Until you open it, links still go to kim@example.org" in account
    assert reset_links_to("kim@school.example") == []  # not the account's address yet
    assert [m.to for m in reset_links_to("kim@example.org")] == [["kim@example.org"]]

    asked = Client().get(link)  # as a mail scanner checking the link opens it: nothing changes
    assert "Make <strong>kim@school.example</strong> the e-mail address of the account" in page_text(asked)
    kim.refresh_from_db()
    assert kim.email == "kim@example.org"

    confirmed = Client().post(link, follow=True)  # the button, from the mailbox: no sign-in needed
    assert "kim@school.example is now the e-mail address of the account kim" in page_text(confirmed)
    kim.refresh_from_db()
    assert kim.email == "kim@school.example" and not PendingEmail.objects.exists()
    notice = mail.outbox[-1]
    assert notice.to == ["kim@example.org"] and "was changed to kim@school.example" in notice.body
    assert [m.to for m in reset_links_to("kim@school.example")] == [["kim@school.example"]]
    assert reset_links_to("kim@example.org") == []
    account = page_text(kim_signed_in.get("/account/"))
    assert "go to <strong>kim@school.example</strong>" in account and "waiting for you" not in account


def test_signing_up_with_an_address_leaves_it_waiting_for_its_link(client):
    fields = {"username": "lee", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    signed_up = client.post("/signup/", {**fields, "email": "lee@example.org"}, follow=True)
    assert "We sent a link to lee@example.org" in page_text(signed_up)
    assert "Until then, your account has no e-mail address for a forgotten password" in page_text(signed_up)
    lee = get_user_model().objects.get(username="lee")
    assert lee.email == ""
    [link_mail] = mail.outbox
    assert reset_links_to("lee@example.org") == []
    account = page_text(client.get("/account/"))
    assert "waiting for you to open the link we sent to lee@example.org" in account
    assert "Until you open it, nothing is sent to it" in account

    confirmed = confirm(client, confirmation_link_in(link_mail))
    assert confirmed.request["PATH_INFO"] == "/account/"  # signed in as lee: back to the account page
    assert "Links to reset a forgotten password go to <strong>lee@example.org</strong>" in page_text(
        confirmed
    )
    assert len(mail.outbox) == 1  # no address before: no one to tell
    assert [m.to for m in reset_links_to("lee@example.org")] == [["lee@example.org"]]


def test_signing_up_through_the_api_sends_the_link_and_the_account_shows_the_address_waiting():
    client = APIClient()
    body = {"username": "ada", "password": "Analytical-engine-1843", "email": "ada@example.org"}
    token = client.post("/api/v1/auth/register/", body, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    account = client.get("/api/v1/account/").json()["account"]
    assert account["email"] == "" and account["pending_email"]["email"] == "ada@example.org"
    state = client.get(API).json()
    assert state["email"] == "" and state["pending_email"]["email"] == "ada@example.org"
    [link_mail] = mail.outbox
    assert link_mail.to == ["ada@example.org"]
    confirm(Client(), confirmation_link_in(link_mail))
    assert client.get(API).json() == {"email": "ada@example.org", "pending_email": None}


def expired_link(kim_signed_in: Client, monkeypatch) -> str:
    """A link signed a day and an hour ago (EMAIL_CONFIRM_HOURS: 24)."""
    with monkeypatch.context() as past:
        past.setattr(
            signing.TimestampSigner,
            "timestamp",
            lambda self: signing.b62_encode(int(time.time()) - 25 * 3600),
        )
        change_address(kim_signed_in, "kim@school.example")
    return confirmation_link_in(mail.outbox[-1])


def changed_link(kim_signed_in: Client, monkeypatch) -> str:
    change_address(kim_signed_in, "kim@school.example")
    link = confirmation_link_in(mail.outbox[-1])
    return link.replace("/confirm/", "/confirm/x", 1)


def superseded_link(kim_signed_in: Client, monkeypatch) -> str:
    change_address(kim_signed_in, "kim@school.exampel")  # a typo, corrected at once
    link = confirmation_link_in(mail.outbox[-1])
    change_address(kim_signed_in, "kim@school.example")
    return link


def cancelled_link(kim_signed_in: Client, monkeypatch) -> str:
    change_address(kim_signed_in, "kim@school.example")
    link = confirmation_link_in(mail.outbox[-1])
    cancelled = kim_signed_in.post("/account/email/cancel/", follow=True)
    assert "The change to kim@school.example is cancelled" in page_text(cancelled)
    assert "still go to kim@example.org" in page_text(cancelled)
    return link


@pytest.mark.parametrize(
    ("make_link", "reason"),
    [
        (expired_link, "works for 24 hours, and this one is older"),
        (changed_link, "This link is not complete, or it was changed"),
        (superseded_link, "This link was for kim@school.exampel, which is no longer waiting to be confirmed"),
        (cancelled_link, "This link was for kim@school.example, which is no longer waiting to be confirmed"),
    ],
)
def test_a_link_that_confirms_nothing_says_why_and_changes_nothing(
    kim, kim_signed_in, monkeypatch, make_link, reason
):
    link = make_link(kim_signed_in, monkeypatch)
    waiting = list(PendingEmail.objects.values_list("email", flat=True))
    for response in (Client().get(link), Client().post(link), kim_signed_in.post(link)):
        assert response.status_code == 400
        assert "This link no longer works" in page_text(response) and reason in page_text(response)
    kim.refresh_from_db()
    assert kim.email == "kim@example.org"
    assert list(PendingEmail.objects.values_list("email", flat=True)) == waiting


def test_a_link_used_already_says_so(kim, kim_signed_in):
    change_address(kim_signed_in, "kim@school.example")
    link = confirmation_link_in(mail.outbox[-1])
    confirm(Client(), link)
    for again in (Client().get(link), Client().post(link)):  # a double click, or the link opened later
        assert again.status_code == 400
        assert "This link was used already: kim@school.example is your account's e-mail address" in (
            page_text(again)
        )
    kim.refresh_from_db()
    assert kim.email == "kim@school.example"
    assert len(mail.outbox) == 2  # the link, and the one notice to the old address


def test_the_link_can_be_sent_again_as_often_as_the_reset_links_to_the_address(kim, kim_signed_in):
    change_address(kim_signed_in, "kim@school.example")
    again = kim_signed_in.post("/account/email/resend/", follow=True)
    assert "We sent a link to kim@school.example" in page_text(again)
    assert [m.to for m in mail.outbox] == [["kim@school.example"], ["kim@school.example"]]
    first, second = (confirmation_link_in(m) for m in mail.outbox)
    assert Client().get(first).status_code == Client().get(second).status_code == 200  # either confirms

    Client().post("/accounts/password-reset/", {"email": "kim@school.example"})  # 3 an hour, counted together
    refused = kim_signed_in.post("/account/email/resend/", follow=True)
    assert "The link to confirm kim@school.example was not sent: too many links went to it" in page_text(
        refused
    )
    assert len(mail.outbox) == 2
    refused = change_address(kim_signed_in, "KIM@school.example")
    assert refused.status_code == 400
    assert "Too many links sent to this address" in str(refused.context["form"].errors["email"])

    confirm(Client(), second)
    kim.refresh_from_db()
    assert kim.email == "kim@school.example"
    nothing = kim_signed_in.post("/account/email/resend/", follow=True)
    assert "No new e-mail address is waiting to be confirmed" in page_text(nothing)


def test_the_address_the_account_has_or_none_changes_at_once_and_drops_the_one_waiting(kim, kim_signed_in):
    change_address(kim_signed_in, "kim@school.example")
    link = confirmation_link_in(mail.outbox[-1])
    kept = change_address(kim_signed_in, "Kim@Example.org")  # other capitals: the same mailbox
    assert "Links to reset a forgotten password now go to Kim@Example.org" in page_text(kept)
    assert not PendingEmail.objects.exists() and Client().get(link).status_code == 400
    change_address(kim_signed_in, "kim@school.example")
    removed = change_address(kim_signed_in, "")
    assert "Your account has no e-mail address now" in page_text(removed)
    assert not PendingEmail.objects.exists()
    assert mail.outbox[-1].to == ["Kim@Example.org"] and "was removed" in mail.outbox[-1].body


def test_the_api_shows_changes_resends_and_cancels_the_address_waiting(kim):
    app = client_for(kim)
    assert app.get(API).json() == {"email": "kim@example.org", "pending_email": None}
    changed = app.post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")
    assert changed.status_code == 200
    body = changed.json()
    assert (body["email"], body["pending_email"]["email"]) == ("kim@example.org", "kim@school.example")
    assert "A link is on its way to kim@school.example" in body["detail"]
    assert "Until then, reset links go to kim@example.org" in body["detail"]
    again = app.post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")
    assert again.status_code == 200 and len(mail.outbox) == 2  # the link, sent again
    assert app.get("/api/v1/account/").json()["account"]["pending_email"]["email"] == "kim@school.example"

    cancelled = app.post(API, {"email": "kim@example.org", "password": PASSWORD}, format="json")
    assert cancelled.json()["pending_email"] is None and cancelled.json()["email"] == "kim@example.org"
    assert Client().post(confirmation_link_in(mail.outbox[-1])).status_code == 400

    app.post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")  # its third link
    throttled = app.post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")
    assert (
        throttled.status_code == 429 and "Retry-After" in throttled.headers
    )  # 3 links an hour to one address
    assert "Too many links sent to this address" in throttled.json()["detail"]
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "kim@", "password": PASSWORD}, "email", "valid email"),
        ({"email": "kim@school.example", "password": "a-guess"}, "password", "not the account's password"),
        ({"password": PASSWORD}, "email", "This field is required."),
    ],
)
def test_the_api_refuses_a_change_on_its_field_and_sends_nothing(kim, body, field, message):
    refused = client_for(kim).post(API, body, format="json")
    assert refused.status_code == 400 and message in " ".join(refused.json()[field])
    assert not mail.outbox and not PendingEmail.objects.exists()


def test_the_download_holds_the_address_waiting_and_erasure_takes_it(kim, kim_signed_in):
    change_address(kim_signed_in, "kim@school.example")
    download = kim_signed_in.get("/account/data.json").json()["account"]
    assert download["email"] == "kim@example.org"
    assert (
        download["pending_email"]["email"] == "kim@school.example"
        and download["pending_email"]["requested_at"]
    )
    link = confirmation_link_in(mail.outbox[-1])
    erased = client_for(kim).post("/api/v1/account/delete/", {"password": PASSWORD}, format="json")
    assert erased.status_code == 204
    assert not PendingEmail.objects.exists()
    assert "no longer waiting" in page_text(Client().get(link))


def test_a_mail_server_that_fails_is_logged_and_nothing_breaks(kim, kim_signed_in, settings, caplog):
    refused_smtp(settings)
    with caplog.at_level(logging.ERROR, logger="learners"):
        changed = change_address(kim_signed_in, "kim@school.example")
        assert changed.status_code == 200 and "We sent a link to kim@school.example" in page_text(changed)
        assert "The link to confirm an e-mail address could not be sent" in caplog.text
        assert kim_signed_in.post("/account/email/resend/").status_code == 302
        api = client_for(kim).post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")
        assert api.status_code == 200
    pending = PendingEmail.objects.get()
    token = signing.dumps(
        {"user": kim.pk, "email": "kim@school.example", "pending": pending.pk},
        salt="learners.accounts.confirm_email",
    )  # the link the mail server failed to deliver
    with caplog.at_level(logging.ERROR, logger="learners"):
        confirmed = Client().post(f"/account/email/confirm/{token}/")
    assert confirmed.status_code == 302
    assert "The notice of a changed e-mail address could not be sent" in caplog.text
    kim.refresh_from_db()
    assert kim.email == "kim@school.example"


@pytest.fixture
def sam_in_course(course, student):
    student.email = "sam@example.org"
    student.save()
    enroll(learner_for(student), course)
    return student


def test_a_pupil_is_told_by_email_when_a_teacher_gives_them_a_temporary_password(
    course, teacher, sam_in_course, django_capture_on_commit_callbacks
):
    teacher.first_name, teacher.last_name = "Tess", "Turner"
    teacher.save()
    with django_capture_on_commit_callbacks(execute=True):
        given = client_for(teacher).post("/api/v1/courses/arithmetic/class/sam/password/")
    assert given.status_code == 200
    [notice] = mail.outbox
    assert notice.to == ["sam@example.org"] and "temporary password" in notice.subject
    body = " ".join(notice.body.split())
    today = timezone.localdate()
    assert f"On {today.day} {today:%B} {today.year}, Tess Turner, a teacher of Arithmetic," in body
    assert "you will be asked to choose your own" in body
    assert "If you did not expect this, tell your teacher or your school" in body
    assert given.json()["temporary_password"] not in notice.body


def test_no_notice_without_a_confirmed_address_and_a_failing_mail_server_gives_the_password_all_the_same(
    course, teacher, sam_in_course, django_capture_on_commit_callbacks, settings, caplog
):
    PendingEmail.objects.create(user=sam_in_course, email="sam@school.example")
    sam_in_course.email = ""
    sam_in_course.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(teacher).post("/api/v1/courses/arithmetic/class/sam/password/").status_code == 200
    assert not mail.outbox  # an address waiting to be confirmed is not told

    sam_in_course.email = "sam@example.org"
    sam_in_course.save()
    refused_smtp(settings)
    with caplog.at_level(logging.ERROR, logger="learners"), django_capture_on_commit_callbacks(execute=True):
        given = client_for(teacher).post("/api/v1/courses/arithmetic/class/sam/password/")
    assert given.status_code == 200 and given.json()["temporary_password"]
    assert "The notice of a temporary password given could not be sent" in caplog.text


def test_the_api_answers_as_its_description_says(kim):
    app = client_for(kim)
    assert_as_documented(app.get(API), API, "GET")
    changed = app.post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")
    assert set(assert_as_documented(changed, API, "POST")) == {"email", "pending_email", "detail"}
    assert set(assert_as_documented(app.get(API), API, "GET")["pending_email"]) == {"email", "requested_at"}
    account = assert_as_documented(app.get("/api/v1/account/"), "/api/v1/account/", "GET")["account"]
    assert account["pending_email"]["email"] == "kim@school.example"
    refused = app.post(API, {"email": "kim@", "password": PASSWORD}, format="json")
    assert "email" in assert_as_documented(refused, API, "POST")
    for _ in range(3):  # the fourth link to the address within the hour
        throttled = app.post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")
    assert throttled.status_code == 429
    assert_as_documented(throttled, API, "POST")


def test_the_api_sends_the_link_again_and_cancels_without_the_password(kim):
    app = client_for(kim)
    resend, cancel = f"{API}resend/", f"{API}cancel/"
    nothing = app.post(resend)
    assert nothing.status_code == 409 and "No new e-mail address is waiting" in nothing.json()["detail"]
    assert_as_documented(nothing, resend, "POST")

    app.post(API, {"email": "kim@school.example", "password": PASSWORD}, format="json")
    again = app.post(resend)
    assert again.status_code == 200 and "A link is on its way to kim@school.example" in again.json()["detail"]
    assert_as_documented(again, resend, "POST")
    assert [m.to for m in mail.outbox] == [["kim@school.example"], ["kim@school.example"]]
    Client().post("/accounts/password-reset/", {"email": "kim@school.example"})  # 3 an hour, counted together
    throttled = app.post(resend)
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers and len(mail.outbox) == 2
    assert_as_documented(throttled, resend, "POST")

    cancelled = app.post(cancel)
    assert cancelled.status_code == 200 and cancelled.json()["pending_email"] is None
    assert "The change to kim@school.example is cancelled" in cancelled.json()["detail"]
    assert_as_documented(cancelled, cancel, "POST")
    assert Client().post(confirmation_link_in(mail.outbox[-1])).status_code == 400  # it confirms nothing
    kim.refresh_from_db()
    assert kim.email == "kim@example.org"
    assert app.post(cancel).json()["detail"] == "No new e-mail address is waiting to be confirmed."
