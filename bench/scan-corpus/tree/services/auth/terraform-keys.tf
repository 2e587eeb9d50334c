resource "tls_private_key" "deploy" {
  algorithm = "ED25519"
}

resource "github_actions_secret" "deploy_key" {
  repository = "orders"
  secret_name = "DEPLOY_KEY"
  plaintext_value = tls_private_key.deploy.private_key_openssh
}

locals {
  legacy_key = <<-EOT
    -----BEGIN RSA PRIVATE KEY-----
    MIIEpgIBAAKCAQEA7wRbVjbIpvuV6Ou8NA1it1/8u/OsY8z1mYMI40uY4Dt/JL8Z
    sB2kJkavHnJol2NyiHvPyfsbhMamptBIZhfPqM55HKhZsIMq9EQGrjiv0lsTdGv6
    PnuKqXTjdOlsz7grWhqaYW6JuzQbesh6Bf0Zo9jLR4Qxdzu7/C0YUqKdGmULi29Y
    +a55/IUsEdrptOSbtHDMESzS/ZEFxx3bGr4e3Lf52/w8zQXjw0NH/uET84SttJg7
    RNaWMOF6WFv8KoTXP0k8DChkt0Y/5e/v9YYXCDCWPFUFm5CrgfApfjkEpiFeL5sA
    Fc3Uc5etCe+u0d2Wrij8yPgbmlp/0wv6cDEHHgIDAQABAoIBAQD8if5OCA1+eWud
    GhkToRr4Gxi74MVsvUYFisYgWg6VGbl6c8tLXgTYYXysVRTuVgXO6LSFqWwvQHFA
    vEaZ4JWjRYz+0HNlCXR4CIstsUQjCjyBGgI3cRN0ioMzUgatMfHLHXyqEkjEfwEr
    4ktsPwF12lVf7PX8aEvQJlu+NSZ5XrpGOOsp0TKcKpwsgaod8Q5QCCbCM2Q7NSv9
    1lCS+5z3boVF0w4/YF7gcszmpbJYijnX38epMTgOOaMMEsaVyOEX5bnJOOdsOT9Q
    UEs0cIjQyK1t3xilEQrQ9F21KSRg93g7wKlVP+eUypMKLUJJdgv3jUD+WJrZwLul
    0V3zgoHxAoGBAOSR6A6y33nVtJlKtAFjpoNgfc5JhAdgsMEhfOMtnEdxcd0v3t5f
    ZybYsPArF3wm5yCfEsPeIAcA7WU1WDzMPGGsORL5ARxOB3o6ItRpxwx7Bp1t4hi/
    hKx+tMbS6+4s2Jwun0zIvKRiw6u/Yb1GwLMMFSW93BXt7s/s2By7/Y9gAoGBAOIK
    SUT6uNP49jn9d+nuB6dR6xiQ2LkBKqWWFPAXOebkzRT4luCGhBDal4Kfw0lhJhWj
    Ze1UfGFWuhDtNBE33J5SdvalgAbdoG76ubhdxfY7JOBXYCNe9FKvGuS5JRzpWWjx
    +hMm/8o6sZ2AaEDUVkLxw1LIr/xz7TPzcBwkaAzlAoGBAN+tHKf8WvFn/9yor3zA
    gIEvpJtw7cpYskGh+MxpJOIqtEoVJV2W3UySPDfJCnXdV0FvCz0GkEWK5r5nh1iX
    dwGTBoYz9ZaiwlIqWHU/uFjPll5vtzqmaq3a6F/aErsTm+hqLfTdHeKG10jCE/p7
    hNsVlJew0OATuyg1iTujQyktAoGBANZn3zrz2d8FhdJVnpT0k+j9V0c3ZO5/+F1q
    uTWYn4wKUpggSqhPIK7f31FAm72a/3HwimsQYQGCqo8rjp/nOjXFDm83//t8oc6G
    k/LGyhepejqqL+NUmutvGMNrpSV0m0FWUj7u8pFOJ19ZeShUaOH9VkaSBL/geP8K
    eCN5YuYdAoGBALaJoRWH2d3FiOjqugYPCiCZYEU1XRfbCyIx7+pmEKHaJUN2Vp9P
    yvqNrydw2bhuat7QXJPsaJeYnMkZZJ6NpQ0KwqL/tfmLjqUk5VW3cJtgW6SNvj47
    9WrymbpWGOkDnutElsBbsKif5a0E5DvbllHd7YLxfu+qxdBckNwB0yQY
    -----END RSA PRIVATE KEY-----
  EOT
}
