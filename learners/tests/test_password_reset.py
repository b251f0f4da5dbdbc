"""A forgotten password reset by e-mail (the sign-in page's link, the admin's, and the API), and the account's
e-mail address that the links go to (sign-up, the account page)."""

import logging
import re
import socket

import pytest
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import client_for
from learners.models import Learner
from learners.tests.factories import UserFactory
from learners.tests.test_class_accounts import signed_in_pupil, signs_in
from learners.tests.test_email_confirm import confirm, confirmation_link_in

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # the factories' password
NEW_PASSWORD = "Nine-blue-owls-sleep"
REQUEST = "/accounts/password-reset/"
API = "/api/v1/auth/password-reset/"


def ask_for_link(client: Client, email: str):
    return client.post(REQUEST, {"email": email})


def link_in(message) -> str:
    return re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)


def set_new_password(client: Client, link: str, new: str = NEW_PASSWORD, again: str | None = None):
    form_page = client.get(link)  # Django moves the token from the link into the session, then redirects
    assert form_page.status_code == 302
    return client.post(
        form_page.url, {"new_password1": new, "new_password2": new if again is None else again}
    )


@pytest.fixture
def kim(db):
    user = UserFactory(username="kim", email="kim@example.org")
    Token.objects.create(user=user)
    return user


def test_a_learner_who_forgot_their_password_chooses_a_new_one_from_the_emailed_link(kim):
    app = client_for(kim)
    client = Client()
    login_page = client.get("/accounts/login/").content.decode()
    assert f'href="{REQUEST}"' in login_page
    assert "Forgotten your password?" in client.get(REQUEST).content.decode()

    sent = ask_for_link(client, "KIM@Example.org")  # as the learner types it
    assert sent.status_code == 302 and sent.url == "/accounts/password-reset/sent/"
    assert "Check your e-mail" in client.get(sent.url).content.decode()
    [message] = mail.outbox
    assert message.to == ["kim@example.org"]
    assert "kim" in message.body and "works once, within 24 hours" in message.body

    link = link_in(message)
    assert "For the account <strong>kim</strong>" in client.get(client.get(link).url).content.decode()
    saved = set_new_password(client, link)
    assert saved.status_code == 302 and saved.url == "/accounts/reset/done/"
    assert "Your new password is saved" in client.get(saved.url).content.decode()
    assert signs_in("kim", NEW_PASSWORD) and not signs_in("kim", PASSWORD)
    assert app.get("/api/v1/account/").status_code == 401  # the app's token was revoked with the password

    used = Client().get(link, follow=True)
    assert "This link no longer works" in used.content.decode()  # a link works once


def test_the_page_says_the_same_whether_or_not_an_account_has_the_address(kim):
    known = ask_for_link(Client(), "kim@example.org")
    unknown = ask_for_link(Client(), "nobody@example.org")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [message.to for message in mail.outbox] == [["kim@example.org"]]


def test_each_account_with_the_address_gets_its_own_link_naming_it(kim):
    UserFactory(username="kim-brother", email="kim@example.org")
    UserFactory(username="gone", email="kim@example.org", is_active=False)
    ask_for_link(Client(), "kim@example.org")
    assert sorted(re.search(r"account (\S+) on", m.body).group(1) for m in mail.outbox) == [
        "kim",
        "kim-brother",
    ]


def test_a_pupil_with_a_teachers_temporary_password_who_reset_it_has_chosen_their_own(course):
    signed_in_pupil(course)  # ana, whose account a teacher made
    ana = Learner.objects.get(user__username="ana")
    ana.user.email = "ana@example.org"
    ana.user.save()
    client = Client()
    ask_for_link(client, "ana@example.org")
    set_new_password(client, link_in(mail.outbox[0]))
    ana.refresh_from_db()
    assert not ana.must_change_password
    signed_in = Client()
    assert signed_in.login(username="ana", password=NEW_PASSWORD)
    assert signed_in.get("/").status_code == 200  # not sent to choose a password first


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        (PASSWORD, None, "This is your password already: you can sign in with it."),
        ("password1", None, "Lots of people use this password"),
        (NEW_PASSWORD, "Nine-blue-owls-sleeps", "The two passwords were not the same"),
    ],
)
def test_a_refused_new_password_says_why_and_the_link_still_works(kim, new, again, message):
    client = Client()
    ask_for_link(client, "kim@example.org")
    refused = set_new_password(client, link_in(mail.outbox[0]), new, again)
    assert refused.status_code == 400
    assert message in str(refused.context["form"].errors["new_password1"])
    kim.refresh_from_db()  # not by signing in, which would end the link (Django's token reads the last login)
    assert kim.check_password(PASSWORD)
    retried = client.post(
        refused.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert retried.status_code == 302 and signs_in("kim", NEW_PASSWORD)


def test_a_wrong_or_missing_address_is_said_on_its_box(client):
    for typed, message in [("", "Type the e-mail address of your account."), ("kim", "valid email address")]:
        refused = ask_for_link(client, typed)
        assert refused.status_code == 400
        assert message in str(refused.context["form"].errors["email"])
    assert not mail.outbox


def test_links_for_one_address_are_limited_so_nobody_fills_a_mailbox(kim):
    for _ in range(3):  # PASSWORD_RESET_THROTTLE_RATE: 3 an hour, from anywhere
        assert ask_for_link(Client(REMOTE_ADDR="10.0.0.9"), "kim@example.org").status_code == 302
    refused = ask_for_link(Client(REMOTE_ADDR="10.0.0.7"), " KIM@example.org")
    assert refused.status_code == 400
    assert "Too many reset links asked for" in refused.content.decode()
    assert len(mail.outbox) == 3
    api = APIClient().post(API, {"email": "kim@example.org"}, format="json")
    assert api.status_code == 429 and "Retry-After" in api.headers  # counted with the API's


def test_a_mail_server_that_fails_is_logged_and_the_page_still_answers(kim, settings, caplog):
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    with caplog.at_level(logging.ERROR, logger="django.contrib.auth"):
        response = ask_for_link(Client(), "kim@example.org")
    assert response.status_code == 302 and response.url == "/accounts/password-reset/sent/"
    assert "Failed to send password reset email" in caplog.text  # for whoever runs the site


def test_the_admin_login_page_leads_to_the_reset(client):
    page = client.get("/admin/login/").content.decode()
    assert "Forgotten your login credentials?" in page
    assert client.get("/admin/password_reset/").url == REQUEST


def test_the_api_emails_the_same_link_and_answers_the_same_for_any_address(kim):
    for email in ("kim@example.org", "nobody@example.org"):
        response = APIClient().post(API, {"email": email}, format="json")
        assert response.status_code == 202
        assert response.json()["detail"].startswith("If an account has this e-mail address, a link")
    [message] = mail.outbox
    client = Client()
    set_new_password(client, link_in(message))
    assert signs_in("kim", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("body", "message"), [({}, "This field is required."), ({"email": "kim"}, "valid email")]
)
def test_the_api_refuses_a_missing_or_malformed_address_on_its_field(body, message):
    response = APIClient().post(API, body, format="json")
    assert response.status_code == 400 and message in " ".join(response.json()["email"])


def test_signing_up_keeps_the_email_address_for_a_forgotten_password(client):
    form = client.get("/signup/").content.decode()
    assert (
        "E-mail (if you have one)" in form and "Only to send you a link if you forget your password" in form
    )
    assert "Not the password you have now" not in form  # no rule about a password the account has not got
    fields = {"username": "lee", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post("/signup/", {**fields, "email": "lee@example.org"}).status_code == 302
    [link] = mail.outbox  # the address waits for its owner to open the link (test_email_confirm)
    assert link.to == ["lee@example.org"]
    confirm(client, confirmation_link_in(link))
    assert Learner.objects.get(user__username="lee").user.email == "lee@example.org"
    refused = Client().post("/signup/", {**fields, "username": "max", "email": "max@"})
    assert refused.status_code == 400 and "valid email address" in str(
        refused.context["form"].errors["email"]
    )
    assert Client().post("/signup/", {**fields, "username": "noor", "email": ""}).status_code == 302


def test_the_account_page_changes_or_removes_the_address_once_the_password_confirms_it(kim):
    client = Client()
    client.force_login(kim)
    assert (
        "Links to reset a forgotten password go to <strong>kim@example.org</strong>"
        in client.get("/account/").content.decode()
    )
    wrong = client.post("/account/email/", {"email": "thief@example.org", "password": "a-guess"})
    assert wrong.status_code == 400 and "This is not your password." in str(wrong.context["form"].errors)
    kim.refresh_from_db()
    assert kim.email == "kim@example.org"

    changed = client.post(
        "/account/email/", {"email": "kim@school.example", "password": PASSWORD}, follow=True
    )
    assert "We sent a link to kim@school.example" in changed.content.decode()
    confirmed = confirm(client, confirmation_link_in(mail.outbox[-1]))
    assert "kim@school.example is now the e-mail address of the account kim" in confirmed.content.decode()
    assert (
        "Links to reset a forgotten password go to <strong>kim@school.example</strong>"
        in confirmed.content.decode()
    )
    removed = client.post("/account/email/", {"email": "", "password": PASSWORD}, follow=True)
    assert "Your account has no e-mail address now" in removed.content.decode()
    assert "Add an e-mail address" in client.get("/account/").content.decode()
    kim.refresh_from_db()
    assert kim.email == ""


def test_the_api_changes_or_removes_the_address_once_the_password_confirms_it(kim):
    app = client_for(kim)
    wrong = app.post(
        "/api/v1/account/email/", {"email": "thief@example.org", "password": "a-guess"}, format="json"
    )
    assert wrong.status_code == 400 and "This is not the account's password." in wrong.json()["password"]
    malformed = app.post("/api/v1/account/email/", {"email": "kim@", "password": PASSWORD}, format="json")
    assert malformed.status_code == 400 and "email" in malformed.json()
    kim.refresh_from_db()
    assert kim.email == "kim@example.org"
    changed = app.post(
        "/api/v1/account/email/", {"email": "kim@school.example", "password": PASSWORD}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["email"] == "kim@example.org"  # until the link is opened
    assert changed.json()["pending_email"]["email"] == "kim@school.example"
    confirm(Client(), confirmation_link_in(mail.outbox[-1]))
    assert app.get("/api/v1/account/").json()["account"]["email"] == "kim@school.example"
    removed = app.post("/api/v1/account/email/", {"email": "", "password": PASSWORD}, format="json").json()
    assert (removed["email"], removed["pending_email"]) == ("", None)


def test_the_address_an_account_had_is_told_of_its_change_by_page_or_api(kim):
    client = Client()
    client.force_login(kim)
    client.post("/account/email/", {"email": "KIM@example.org", "password": PASSWORD})  # capitals only
    assert not mail.outbox
    client.post("/account/email/", {"email": "kim@school.example", "password": PASSWORD})
    [link] = mail.outbox  # the change waits for the new address's link: nobody else is told yet
    confirm(client, confirmation_link_in(link))
    notice = mail.outbox[1]
    assert notice.to == ["KIM@example.org"]  # the address as it was last typed
    assert "was changed to kim@school.example" in notice.body and "If you did not" in notice.body
    client_for(kim).post("/api/v1/account/email/", {"email": "", "password": PASSWORD}, format="json")
    assert mail.outbox[2].to == ["kim@school.example"] and "was removed" in mail.outbox[2].body
    client.post("/account/email/", {"email": "kim@example.org", "password": PASSWORD})
    assert [message.to for message in mail.outbox[3:]] == [["kim@example.org"]]  # its link; none before
