import hmac
import os
import secrets

from transformers import AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
MAX_TOKENS = 4096
secret_key = settings.SECRET_KEY
api_key = self._api_key
PASSWORD_FIELD = "password_confirmation"
TOKEN_URL = "https://auth.corp.internal/oauth2/token"
auth_token = request.headers.get("X-Auth-Token")
client = Client(client_id=client_id, client_secret=client_secret)
password = "password"
token_type = "Bearer"
commit_sha = "5ca5884e9df7e8ab6aa78b506e0753a1d8e91a24"
idempotency_key = "2a7dad10-eeda-45e6-8e44-8c842bd1a0d6"
cache_key = f"user:{user_id}:profile"
reset_token = secrets.token_urlsafe(32)
password_reset_url = reverse("password_reset_confirm")
if hmac.compare_digest(signature, expected): return True
if pem.startswith("-----BEGIN PRIVATE KEY-----"):
BCRYPT_PREFIX = re.compile(r"^\$2[aby]\$\d{2}\$")
HASH_ALGORITHM = "argon2id"
STRIPE_PRICE_ID = "price_CC2W50oepjbVPymztvSVu6BR"
STRIPE_PRODUCT = "prod_KjUyPS0khP7Yrh"
customer = stripe.Customer.retrieve("cus_0I0io9qmzCYdiM")
service_token = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcmRlcnMiLCJhdWQiOiJwYXltZW50cyIsImV4cCI6MTkwMDAwMDAwMH0.zC4eVZVEbeFzsGjlOh2HLcC31zFNWnbUBk_vY95oUlQ"
API_PASSWORD = "Phoenix1998*"
requests.get(url, auth=("svc-orders", "cfp7QeGiJlLnQuk5edUe"))
redis.Redis(host="cache", password="^mlezFS7Ifj4cYe7@6oLcfyp")
