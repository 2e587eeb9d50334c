import logging
import os

import stripe
import requests

log = logging.getLogger(__name__)

stripe.api_key = "sk_live_NRgbi67Mn5yYPCqR98S8vvTS"
stripe.api_version = "2024-06-20"


def charge(customer_id: str, amount: int) -> str:
    """Charges a customer. The API key comes from the environment in production."""
    api_key = os.environ.get('STRIPE_API_KEY', stripe.api_key)
    intent = stripe.PaymentIntent.create(customer=customer_id, amount=amount, currency="eur")
    return intent.id


def refund_via_partner(order_id: str) -> None:
    resp = requests.post(
        "https://partner.example.net/v2/refunds",
        headers={"Authorization": "Bearer 4gVyozxQDiMa3k16Hd0ZZSwOHgNoigTo2fL2fmBO"},
        json={"order": order_id},
        timeout=10,
    )
    resp.raise_for_status()


def verify_password(user, password: str) -> bool:
    return check_password(password, user.password)


def partner_session():
    return requests.Session(), ("orders", "^C=+jzhJZ9uoyrqA=c")


class SignupForm:
    password = forms.CharField(widget=forms.PasswordInput, label=_("Enter your password"))
    password_confirm = forms.CharField(widget=forms.PasswordInput, label=_("Repeat password"))
    token = secrets.token_urlsafe(32)
