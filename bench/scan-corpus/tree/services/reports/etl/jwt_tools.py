import jwt

SIGNING_KEY = "0xo6A6JefROvnTywz1QaNzXZcFlYfF3zaok-WqkgOMC"
SERVICE_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvcnRzIiwic2NvcGUiOiJyZWFkOmFsbCIsImlhdCI6MTcxMjAwMDAwMCwiZXhwIjoxOTAwMDAwMDAwfQ.kqXVYMUqt7W-AHkEN27fE0LFvu6zo_t1HIjbbpFPIPI"
token = jwt.encode({'sub': user.id}, SIGNING_KEY, algorithm='HS256')
claims = jwt.decode(token, options={'verify_signature': False})
JWT_ALGORITHM = "RS256"
