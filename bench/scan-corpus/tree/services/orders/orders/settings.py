"""Django settings for orders."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = 'django-insecure-f46@g)gccj_@s1)b+a!27=oy)d$=4xx%)*c0-989&w6xwlohjg'
DEBUG = os.getenv("DEBUG", "0") == "1"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "orders",
        "USER": "orders_app",
        "PASSWORD": "mLr1+q?m8tibI0rcf9NA",
        "HOST": "db.corp.internal",
    },
    "replica": {
        "NAME": "orders",
        "PASSWORD": os.environ["REPLICA_DB_PASSWORD"],
    },
}
AUTH_PASSWORD_VALIDATORS = [{'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'}]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
EMAIL_HOST_PASSWORD = "Bristol2016!"
EMAIL_HOST_USER = "noreply@corp.internal"
AWS_SECRET_ACCESS_KEY = "3oIQUZeHBv+w9YON2xrZ0yWLJHFZG9guP4NYUidN"
AWS_ACCESS_KEY_ID = "AKIAFLULRFD6XQ4WRNXT"
AWS_STORAGE_BUCKET_NAME = "corp-orders-media"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_NAME = "csrftoken"
SOCIAL_AUTH_GITHUB_SECRET = os.getenv("SOCIAL_AUTH_GITHUB_SECRET")
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = "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"
CELERY_BROKER_URL = "redis://default:nJ4emZ9ODqpSJrLPkHieQQOw@redis.corp.internal:6379/1"
